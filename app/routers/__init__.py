"""HTTP routers, one module per topic, each exposing ``build_router() -> APIRouter``; ``app.api`` includes them."""

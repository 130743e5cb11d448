from services.documents.app import create_app
from shared.logging import configure_logging
from shared.settings import get_settings
from shared.tracing import configure_tracing
from shared.web import run_service


def main() -> None:
    settings = get_settings()
    configure_logging("documents", settings.log_level)
    configure_tracing("documents", settings)
    run_service(create_app(settings), settings.bind_host, settings.documents_port)


if __name__ == "__main__":
    main()

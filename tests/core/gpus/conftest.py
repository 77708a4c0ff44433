from tests.core.gpus.servers import fake_server

__all__ = ["fake_server"]

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


class _PrefectHealth(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_prefect_api():
    server = HTTPServer(("127.0.0.1", 0), _PrefectHealth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()
    server.server_close()


def test_it_reports_unhealthy_when_prefect_is_down(app, client_for):
    app.config["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
    response = client_for(None).get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is True and body["checks"]["prefect"]["ok"] is False


def test_it_reports_healthy_when_database_and_prefect_answer(app, client_for, fake_prefect_api):
    app.config["PREFECT_API_URL"] = fake_prefect_api
    try:
        response = client_for(None).get("/healthz")
    finally:
        app.config["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
    assert response.status_code == 200 and response.get_json()["status"] == "ok"

import datetime as dt


def test_it_reports_unhealthy_when_prefect_is_down(app, client_for):
    app.config["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
    response = client_for(None).get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is True and body["checks"]["prefect"]["ok"] is False
    assert body["checks"]["runner"]["ok"] is False


def test_it_reports_healthy_when_database_prefect_and_a_fresh_runner_answer(client_for, fake_prefect_api):
    response = client_for(None).get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert response.get_json()["checks"]["runner"]["ok"] is True


def test_it_reports_unhealthy_with_the_reason_when_the_runner_heartbeat_is_stale(client_for, fake_prefect_api):
    fake_prefect_api.last_polled = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    response = client_for(None).get("/healthz")
    assert response.status_code == 503
    runner = response.get_json()["checks"]["runner"]
    assert runner["ok"] is False and runner["detail"].startswith("stale heartbeat: last poll 30")
    assert response.get_json()["checks"]["prefect"]["ok"] is True


def test_it_reports_unhealthy_when_no_runner_ever_served_the_lifecycle(client_for, fake_prefect_api):
    fake_prefect_api.deployed = False
    response = client_for(None).get("/healthz")
    assert response.status_code == 503 and "never started" in response.get_json()["checks"]["runner"]["detail"]

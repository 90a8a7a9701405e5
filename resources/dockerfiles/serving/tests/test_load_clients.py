"""The shutdown tests' accounting of unanswered requests (load_clients.lost)."""
from load_clients import LoadClient, lost


def client_with(failures=(), fresh_resets=()):
    client = LoadClient(port=1, reconnect=True)
    client.failures.extend(failures)
    client.fresh_resets.extend(fresh_resets)
    return client


def test_a_fresh_reset_counts_as_lost_without_a_log_to_tell():
    assert len(lost([client_with(fresh_resets=["load-1-3"])])) == 1


def test_a_fresh_reset_the_server_never_handled_is_not_lost():
    log = '{"event":"prediction","request_id":"load-1-2"}\n'
    assert lost([client_with(fresh_resets=["load-1-3"])], prediction_log=log) == []


def test_a_fresh_reset_the_server_handled_is_lost():
    log = '{"event":"prediction","request_id":"load-1-3"}\n'
    assert lost([client_with(fresh_resets=["load-1-3"])], prediction_log=log) == [
        "no answer on a fresh connection to request load-1-3, which the server handled"]


def test_other_failures_always_count():
    assert lost([client_with(failures=["write: reset"])], prediction_log="") == ["write: reset"]

"""The reader features' parameters on /api/search and /search: sort=, group=, from=/to=, and the
advanced form's issuer=, number=, version= — passed to the searcher, bad values 400 with a reason."""
from __future__ import annotations

import pytest

from tests.reader_corpus import CONTRACT, PROMOTION_NEW, PROMOTION_OLD, REGULATION_ID


def api(client, **args):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_sort_by_date_in_the_api(reader_client):
    data = api(reader_client, q="应收账款融资", sort="date")
    assert data["sort"] == "date"
    assert data["hits"][0]["doc_id"] == REGULATION_ID and data["hits"][0]["date"] == "2020-05-01"
    assert api(reader_client, q="应收账款融资")["sort"] == "relevance"


def test_date_range_in_the_api(reader_client):
    data = api(reader_client, q="应收账款融资", **{"from": "2012", "to": "2017-09"})
    assert {h["doc_id"] for h in data["hits"]} == {PROMOTION_NEW, CONTRACT}


def test_group_by_document_in_the_api(reader_client):
    data = api(reader_client, q="应收账款融资", group="document")
    assert data["group"] == "document" and data["groups_total"] >= 3
    assert {"doc_id", "doc_title", "date", "validity", "count", "hits"} <= set(data["groups"][0])


def test_advanced_filters_in_the_api(reader_client):
    assert {h["doc_id"] for h in api(reader_client, q="应收账款融资", issuer="国务院")["hits"]} == {REGULATION_ID}
    everything = api(reader_client, q="应收账款融资", version="all")
    assert PROMOTION_OLD in {h["doc_id"] for h in everything["hits"]}
    historical = api(reader_client, q="应收账款融资", version="historical")
    assert {h["doc_id"] for h in historical["hits"]} == {PROMOTION_OLD}
    assert PROMOTION_OLD not in {h["doc_id"] for h in api(reader_client, q="应收账款融资")["hits"]}


@pytest.mark.parametrize("args, param, reason", [
    ({"sort": "newest"}, "sort", "relevance"),
    ({"group": "chapter"}, "group", "document"),
    ({"from": "2018-13"}, "from", "YYYY-MM-DD"),
    ({"to": "yesterday"}, "to", "YYYY-MM-DD"),
    ({"from": "2020", "to": "2010"}, "from", "晚于"),
    ({"version": "old"}, "version", "current"),
    ({"issuer": "国" * 201}, "issuer", "过长"),
])
def test_bad_reader_parameters_are_400_with_the_reason(reader_client, args, param, reason):
    for path in ("/api/search", "/search"):
        response = reader_client.get(path, query_string={"q": "应收账款融资", **args})
        assert response.status_code == 400
        if path == "/api/search":
            body = response.get_json()
            assert body["param"] == param and reason in body["error"]
        else:
            assert reason in response.get_data(as_text=True)

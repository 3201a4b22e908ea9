"""The clause record is the schema's fields: what the indexer hands over is what the index holds."""
from __future__ import annotations

import dataclasses

from indexer.engine.clause_record import ClauseRecord
from indexer.engine.schema import make_schema
from indexer.resources import corpus_analyzer
from tests.conftest import CORPUS


def test_its_attributes_are_the_schemas_fields_but_the_segmentation_the_engine_makes():
    schema = make_schema(corpus_analyzer(CORPUS))
    assert {f.name for f in dataclasses.fields(ClauseRecord)} == set(schema.names()) - {"cuts"}


def test_empty_optional_values_are_not_stored_and_required_ones_always_are():
    record = ClauseRecord(doc_id="d", measure_key=b"d:1", order=0, text="第一条 ……", info={"clause_id": "d:1:1:1"},
                          chapter="", dept=None, historical=False, facts=0, article="第一条")
    assert record.fields() == {"doc_id": "d", "measure_key": b"d:1", "order": 0, "text": "第一条 ……",
                               "info": {"clause_id": "d:1:1:1"}, "article": "第一条"}
    assert ClauseRecord("d", b"d:1", 3, "t", {}, historical=True, facts=1).fields()["historical"] is True

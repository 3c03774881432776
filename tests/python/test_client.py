"""A client in another language: Python stubs generated from proto/ with
grpcio-tools talk to the real `briefing` server.

Run by tests/python/run.sh, which generates the stubs into tests/python/gen,
starts the server and passes its address in BRIEFING_ADDR.
"""

import os
import pathlib
import sys
import unittest

import grpc

sys.path.insert(0, str(pathlib.Path(__file__).parent / "gen"))

from briefing.v1 import ingest_pb2, ingest_pb2_grpc, query_pb2, query_pb2_grpc  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "kz-ro-consultations-2025-03-19.txt"
ADDR = os.environ.get("BRIEFING_ADDR", "127.0.0.1:50051")


class BriefingFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = grpc.insecure_channel(ADDR)
        grpc.channel_ready_future(cls.channel).result(timeout=20)
        cls.ingest = ingest_pb2_grpc.IngestServiceStub(cls.channel)
        cls.query = query_pb2_grpc.QueryServiceStub(cls.channel)
        documents = [
            ingest_pb2.DocumentInput(id="seed", text=SEED.read_text(encoding="utf-8"), source="python-test"),
            ingest_pb2.DocumentInput(id="empty", text="   "),
            ingest_pb2.DocumentInput(text="A short release without an id, sent from Python."),
        ]
        requests = (ingest_pb2.IngestDocumentsRequest(document=d) for d in documents)
        cls.acks = [r.result for r in cls.ingest.IngestDocuments(requests, timeout=60)]

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def test_every_document_is_acknowledged_in_order(self):
        statuses = [ingest_pb2.IngestStatus.Name(a.status) for a in self.acks]
        self.assertEqual(statuses, ["INGEST_STATUS_CREATED", "INGEST_STATUS_REJECTED", "INGEST_STATUS_CREATED"])
        self.assertEqual([a.index for a in self.acks], [0, 1, 2])
        self.assertIn("white space", self.acks[1].reason)
        self.assertEqual(len(self.acks[2].document_id), 64)  # sha-256 hex of the text

    def test_the_document_comes_back(self):
        got = self.query.GetDocument(query_pb2.GetDocumentRequest(id="seed"))
        self.assertEqual(got.document.text, SEED.read_text(encoding="utf-8"))
        self.assertEqual(got.document.source, "python-test")
        listed = self.query.ListDocuments(query_pb2.ListDocumentsRequest(source="python-test"))
        self.assertEqual([d.id for d in listed.documents], ["seed"])

    def test_errors_are_grpc_statuses(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.query.GetDocument(query_pb2.GetDocumentRequest(id="no-such-document"))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(grpc.RpcError) as caught:
            self.query.ListDocuments(query_pb2.ListDocumentsRequest(page_size=-5))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_the_seed_facts_are_queried_back(self):
        persons = self.query.ListPersons(query_pb2.ListPersonsRequest(country_code="KZ"))
        names = {p.name: p for p in persons.persons}
        self.assertIn("Roman Vassilenko", names)
        self.assertEqual(names["Roman Vassilenko"].country_code, "KZ")
        events = self.query.ListEvents(query_pb2.ListEventsRequest(participant="Roman Vassilenko", place="Bucharest"))
        self.assertTrue(any(e.date == "2025-03-19" for e in events.events), events)


if __name__ == "__main__":
    unittest.main(verbosity=2)

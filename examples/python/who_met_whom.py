"""Streams folders of press releases into a Briefing server, then prints who
met whom: every stored event with its participants, date and place.

    python who_met_whom.py ../../seeds --server 127.0.0.1:50051

The gRPC modules are generated from the repository's proto/ folder with
grpcio-tools at start, into a temporary folder, so nothing generated is kept.
"""

import argparse
import importlib
import importlib.resources
import pathlib
import sys
import tempfile

import grpc
from grpc_tools import protoc

PROTO_DIR = pathlib.Path(__file__).resolve().parents[2] / "proto"
# The server accepts messages up to 16 MiB; grpcio's own default is 4 MiB.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Header keys of the `.txt` release format and the DocumentInput field each fills.
HEADER_FIELDS = {
    "url": "url",
    "date": "published_date",
    "published": "published_date",
    "title": "title",
    "source": "source",
    "language": "language",
    "lang": "language",
}


def generate_stubs(out_dir):
    """Generates the briefing.v1 modules into out_dir and makes them importable."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    protos = sorted(str(p) for p in (PROTO_DIR / "briefing" / "v1").glob("*.proto"))
    args = ["protoc", f"-I{PROTO_DIR}", f"-I{well_known}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}"]
    if protoc.main(args + protos) != 0:
        sys.exit(f"cannot generate the gRPC modules from {PROTO_DIR}")
    sys.path.insert(0, str(out_dir))


def read_release(path):
    """Returns the DocumentInput fields of a `.txt` release: leading
    `# key: value` lines are metadata, the rest is the text; the id is the
    file name (as `briefing ingest` does, so both see the same document)."""
    fields = {"id": path.name}
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = 0
    for line in lines:
        key, sep, value = line.removeprefix("#").partition(":")
        key = key.strip().lower()
        if not line.startswith("#") or not sep or not key.isascii() or not key.isalpha():
            break
        if key in HEADER_FIELDS:
            fields[HEADER_FIELDS[key]] = value.strip()
        body += 1
    fields["text"] = "".join(lines[body:]).lstrip("\r\n")
    return fields


def releases(folders):
    """Yields the `.txt` releases of the folders, in name order."""
    for folder in folders:
        for path in sorted(pathlib.Path(folder).glob("*.txt")):
            yield path


def ingest(stub, paths, ingest_pb2):
    """Streams the releases and prints each acknowledgement as it arrives;
    returns the number of rejected documents."""
    requests = (ingest_pb2.IngestDocumentsRequest(document=ingest_pb2.DocumentInput(**read_release(p))) for p in paths)
    rejected = 0
    for response in stub.IngestDocuments(requests):
        ack = response.result
        status = ingest_pb2.IngestStatus.Name(ack.status).removeprefix("INGEST_STATUS_")
        counts = ack.fact_counts
        detail = ack.reason if ack.reason else f"{counts.persons} persons, {counts.events} events, {counts.quotes} quotes"
        print(f"{status:<9} {ack.document_id}: {detail}")
        rejected += ack.status == ingest_pb2.INGEST_STATUS_REJECTED
    return rejected


def events(stub, participant, query_pb2):
    """Yields every stored event (with the participant, if given), page by page."""
    token = ""
    while True:
        page = stub.ListEvents(query_pb2.ListEventsRequest(page_size=200, page_token=token, participant=participant))
        yield from page.events
        token = page.next_page_token
        if not token:
            return


def print_who_met_whom(stub, participant, query_pb2, facts_pb2):
    """Prints one line per event that names at least one participant."""
    print("\nWho met whom")
    for event in events(stub, participant, query_pb2):
        if not event.participants:
            continue
        kind = facts_pb2.EventType.Name(event.type).removeprefix("EVENT_TYPE_").lower()
        print(
            f"{event.date or 'date unknown':<12} {event.place or 'place unknown':<16} {kind:<14} "
            f"{', '.join(event.participants)}  [{event.document_id}]"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", help="folders of .txt releases")
    parser.add_argument("--server", default="127.0.0.1:50051", help="host:port of briefing serve")
    parser.add_argument("--participant", default="", help="only events this person took part in")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as generated:
        generate_stubs(generated)
        facts_pb2 = importlib.import_module("briefing.v1.facts_pb2")
        ingest_pb2 = importlib.import_module("briefing.v1.ingest_pb2")
        ingest_grpc = importlib.import_module("briefing.v1.ingest_pb2_grpc")
        query_pb2 = importlib.import_module("briefing.v1.query_pb2")
        query_grpc = importlib.import_module("briefing.v1.query_pb2_grpc")

        options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        with grpc.insecure_channel(args.server, options=options) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=10)
            except grpc.FutureTimeoutError:
                sys.exit(f"cannot reach briefing at {args.server}; is `briefing serve` running?")
            rejected = ingest(ingest_grpc.IngestServiceStub(channel), releases(args.folders), ingest_pb2)
            print_who_met_whom(query_grpc.QueryServiceStub(channel), args.participant, query_pb2, facts_pb2)
    if rejected:
        sys.exit(f"{rejected} release(s) rejected")


if __name__ == "__main__":
    main()

// Subscribes to QueryService.WatchFacts on a Briefing server and prints the
// facts of each document as it is stored, until Ctrl-C (or, with
// --documents N, until N documents have arrived).
//
//   node watch.js --server 127.0.0.1:50051 [--country KZ] [--person NAME]
//                 [--type EVENT_TYPE_MEETING] [--documents N]
//
// The .proto files are loaded from the repository's proto/ folder at start;
// nothing is generated ahead of time.
'use strict';

const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

const { values: options } = parseArgs({
  options: {
    server: { type: 'string', default: '127.0.0.1:50051' },
    country: { type: 'string', default: '' },
    person: { type: 'string', default: '' },
    type: { type: 'string', default: 'EVENT_TYPE_UNSPECIFIED' },
    documents: { type: 'string', default: '0' },
  },
});

/** Returns the QueryService client class, built from query.proto. */
function loadQueryService() {
  const definition = protoLoader.loadSync('briefing/v1/query.proto', {
    includeDirs: [PROTO_DIR],
    enums: String, // enum values by name, e.g. EVENT_TYPE_MEETING
    longs: Number,
    defaults: true, // empty strings and lists rather than undefined
  });
  return grpc.loadPackageDefinition(definition).briefing.v1.QueryService;
}

/** Returns an event type's short name: EVENT_TYPE_MEETING -> meeting. */
function kind(type) {
  return type.replace(/^EVENT_TYPE_/, '').toLowerCase();
}

/** Returns the lines that tell one document's facts. */
function describe(facts) {
  const lines = [`document ${facts.documentId} (${facts.publishedDate || 'undated'})`];
  for (const p of facts.persons) {
    const country = p.countryCode ? ` [${p.countryCode}]` : '';
    lines.push(`  person   ${p.name}${country}${p.titles.length ? ', ' + p.titles.join('; ') : ''}`);
  }
  for (const e of facts.events) {
    const when = [e.date, e.place].filter(Boolean).join(' ');
    lines.push(`  event    ${kind(e.type)}${when ? ' ' + when : ''}: ${e.participants.join(', ') || 'no named participant'}`);
  }
  for (const q of facts.quotes) {
    lines.push(`  quote    ${q.speaker || 'unknown speaker'}: "${q.text}"`);
  }
  for (const f of facts.figures) {
    lines.push(`  figure   ${f.metric} ${f.value} ${f.unit}${f.period ? ' for ' + f.period : ''}`);
  }
  if (facts.countries.length) {
    lines.push(`  countries ${facts.countries.map((c) => c.code).join(' ')}`);
  }
  return lines;
}

function main() {
  const QueryService = loadQueryService();
  const client = new QueryService(options.server, grpc.credentials.createInsecure());
  const request = { countryCode: options.country, person: options.person, eventType: options.type };
  const wanted = Number(options.documents);
  if (!Number.isInteger(wanted) || wanted < 0) {
    console.error(`--documents takes a count of documents, not ${options.documents}`);
    process.exit(2);
  }
  let seen = 0;
  let stopping = false;

  const call = client.watchFacts(request);
  const stop = () => {
    stopping = true;
    call.cancel();
  };
  // The server sends its headers once the subscription is in place: from
  // then on, no stored document is missed.
  call.on('metadata', () => console.log(`watching ${options.server} for new facts`));
  call.on('data', (message) => {
    if (message.lagged) {
      console.log(`missed ${message.lagged.missedDocuments} documents (reading too slowly)`);
      return;
    }
    console.log(describe(message.facts).join('\n'));
    seen += 1;
    if (wanted > 0 && seen >= wanted) stop();
  });
  call.on('error', (error) => {
    if (stopping && error.code === grpc.status.CANCELLED) return;
    console.error(`watch failed: ${grpc.status[error.code]}: ${error.details}`);
    process.exitCode = 1;
  });
  call.on('end', () => client.close());
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();

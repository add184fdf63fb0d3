/**
 * What was changed for the fleet goals, what each change bought and what was measured and rejected: printed
 * into the fleet section of docs/benchmarks.md after each run's own figures. The figures here are from the
 * runs named in each line (2 cores shared with other sessions: ±10–20 %); the tables above are this run's.
 */
export const FLEET_LEVERS = `### What changed, what it bought, what was rejected

Starting point: the full run of 2026-11-22T23:05Z (74.8 KiB per device, idle CPU 9.2 % worst / 7.3 % mean,
0 of 10,000 devices back within 120 s after the kill, 4,522 SYNs dropped) and a \`--quick\` run (2,000 devices) of
the same code: storm 10.9 s, edge 3.81 ms and agents 5.24 ms of CPU per reconnected device, 3.89 ms per initial
connect. Design notes: [admission-control.md](admission-control.md).

| change | measured effect |
|---|---|
| admission gate on \`listen_client\` (TCP accepted paused, ≤ \`client_handshake_concurrency\` handshakes, FIFO, closed after \`client_handshake_queue_timeout\`), backlog 4,096 | full storm: 0 → all 10,000 back (32.3 s with 64 slots in the first full run of the changes, 29.5 s in this one); SYN drops 4,522 → 0 |
| SSH host key signs with a parsed KeyObject (ssh2 re-parsed the PEM per signature) | edge profile, 2,000 handshakes: signing 1.31 s → 0.18 s (~570 → ~90 µs each) |
| device MAC via \`getPeerX509Certificate\` (lazy) instead of \`getPeerCertificate\` | ~80 µs per arrival gone from the edge profile |
| TLS tickets with keys derived from \`cert_file\` + a fixed session id context (Node's default context hashes each process's arguments, so no edge resumed another's session) | quick storm: edge 3.50 → 2.71 ms, agents 5.54 → 4.21 ms per device. Memory: a resumed connection holds ~4 KiB less than a full handshake (TLS-only micro-benchmark, 39.1 vs 43.2 KiB); edge 1 after the storm (all resumed, in a burst) 50.8–52.5 KiB per device against 68.4–71.2 on edge 0 (full handshakes at 150/s): the rest of that gap is V8's young generation and the full handshakes' native memory (rejected list, \`edge-probe --restart\`) |
| agent: TCP connect first, TLS only once a server answered; one TLS session per device offered to every server | the dead edge (first in the list) costs a refused SYN, not a TLS socket and a session parse |
| TCP_NODELAY from the first byte on both sides (handshake messages waited behind delayed ACKs) | quick storm: edge 2.71 → 1.82 ms, agents 4.21 → 2.76 ms per device; initial connect 3.37 → 2.21 ms |
| \`client_handshake_concurrency\` 64 → 256 | 5,000-device storm: 13.3 → 11.3 s, agents 2.72 → 2.34 ms per device (fewer queue drops and retries) |
| a handshake slot is also freed when TLS fails (a handshake timeout does not close the TCP socket it wraps) and after 35 s in any case | the second full run lost slots for good (255 of 256 "in progress" at 150 arrivals/s; 3,021 devices fell over to edge 1 while the fleet grew); after: a 5,000-device \`--quick\` run with no queue drop, no fall-over, every device back on its first attempt (storm 12.6 s) |
| edge SSH keepalive 1.5 × \`keepalive\` with 2 misses (the device's keepalive resets it: one exchange per device and period instead of two) and the claims' heartbeat in one script per 500 claims | idle CPU: 7.3 % → 4.0 % mean, 1-s median 6.0 % → 4.0 % with 8,889 devices (first full run of the changes); this run, 10,000 devices: 4.97 % mean, 5.2 % in the worst 10 s: the devices' keepalives alone (500 exchanges/s through Node TLS and ssh2, ~100 µs each) are at the goal |
| agent proposes P-256 ECDH before X25519 (ssh2's X25519 builds key objects from DER each time) | ~70 µs per side per connect (micro-benchmark: 196 → 128 µs) |
| ssh2's finished key exchange trimmed (key objects, shared secret, an identification slice pinning an 8 KiB pool slab) | ~1–3 KiB per device, within the RSS noise of a 2,000-device probe (76.1 → 75.0 KiB) |
| ssh2's AES-GCM decipher tag (a 16-byte slice of Node's Buffer pool, overwritten packet after packet) copied into its own 16 bytes with the key exchange trim | heap snapshot, 5,000 idle devices: 642 pinned 8 KiB slabs held by tags alone (5.3 MB, ~1 KiB per device); the probe's RSS moved within its noise (61.4 → 61.1 KiB) |
| what an idle device's connection kept of its arrival let go (2026-11-23): the handshake's listeners and timer once it settles (the \`request\` handler that stays holds nothing of it), the admission's \`close\` listeners (and the slot watchdog they held) once the slot is freed, the control channel's stderr stream (ssh2 makes one per server channel; nothing writes to it), the negotiated algorithm names shared instead of slices of each peer's KEXINIT | 5,000-device probe, heap snapshots: JS heap used 107.1 → 95.1 MiB (−2.5 KiB per device), RSS 61.8 → 59.4 KiB per device |
| edge liveness key \`edge_ttl\` (10 s) apart from the claims (\`presence_ttl\` 90 s); claims do not call a dead edge's gRPC | a SIGKILLed edge's devices read as offline within ~11 s instead of 90 s (e2e \`fleet-presence\`) |
| gateway presence cache, invalidated by pub/sub from the claim and release scripts | with 100,000 device records in Redis (\`fleet/route-cost.js\`): a lookup 37.8 µs (one HGETALL round trip, idle loopback Redis; more under load) → 0.31 µs cached, and no Redis command per request; a moved device is routed to its new edge on the next request (e2e \`fleet-presence\`) |
| agent: the TLS session kept without the server's certificate (field [3] of OpenSSL's session encoding), and only from a connection that passed every check | offering a session parsed the certificate twice per attempt (Node sets it in \`_init\` and again in \`connect\`; OpenSSL 3 decodes its public key through the provider framework): \`setSession\` was 2.4 s of one agent process's 11.6 busy seconds in a storm profile (2,000 devices, ~3,200 queue-timeout retries across the fleet). Micro-benchmark: a TLS socket with the session 173–202 µs → 51–78 µs. Full storms on one machine: 36.7 s (agents 4.39 ms per device) → 26.7 and 26.0 s (2.70 and 2.68 ms) |
| edges preload jemalloc (\`LD_PRELOAD\` in k8s/edge.yaml and compose, the image installs Debian's \`libjemalloc2\`; \`MALLOC_CONF=tcache_max:131072\`) instead of glibc's malloc; gateways and control keep glibc | 10,000 devices (full fleet run, 2026-11-23): RSS per idle device 68.0–68.7 → 56.4 KiB, storm 25.2–27 → 21.8 s, idle CPU 5.07 % mean (4.93–5.40 before). 5,000-device probe: 67.2–67.5 → 59.8 KiB with jemalloc's defaults, 58.7 with the larger thread cache. The request path, jemalloc in the edge only, three runs each way: small 18.9–20.3k against 19.7–20.8k req/s, download 273–354 against 335–361 MB/s (the edge ~10 % busier on bulk: 64 KiB buffers went to jemalloc's arena each time); with \`tcache_max:131072\` 20.0–20.7k req/s, 327–330 / 345–371 MB/s, as with glibc. jemalloc in every tether process (default conf): download 251–273 against 304–349: so edges only |

Rejected or not pursued, with figures:
- V8's young generation capped for the edges (\`NODE_OPTIONS=--max-semi-space-size=4\`: 2 × 4 MiB instead of 2 × 16): 5,000-device probe 59.4 → 56.4 KiB per device (~30 MiB less at 10,000 devices, ~3 KiB per device). But the request path, edge only, alternating, three runs each (2026-11-23, \`--only small,bulk,upload --no-baselines\`): small 7.1–8.1k against 8.3–9.3k req/s, download 117–165 against 144–190 MB/s, upload 138–171 against 163–177: more scavenges, more promoted. Rejected.
- Session tickets off (\`SSL_OP_NO_TICKET\`, \`client_tls_session_lifetime = 0\`): 2.8 KiB less per connection (TLS + ssh2
  micro-benchmark, 72.6 vs 75.4 KiB), but no resumption, which bought more CPU in the storm (above) and ~4 KiB back on every
  resumed connection.
- Node's TLS memory per connection, measured apart (a Node server with client certificates, idle connections, this
  repository's bench machine): 45.3 KiB per connection at 2,000 connections, 41.6 at 6,000 (11.5 and 9.0 of them JS
  heap); the native part is ~30 KiB resident. \`valgrind --tool=massif\` on 500 connections: 107 KiB malloc'd per
  connection, of which 64 KiB is the read buffer Node's \`TLSWrap\` sizes from libuv's 64 KiB read hint and 16 KiB its
  write buffer (both \`NodeBIO\`, kept for the connection's life, mostly untouched, so mostly not resident), 7.6 KiB
  OpenSSL's \`SSL\` object, 1.9 KiB the AES-GCM contexts. Rejected with figures: \`SSL_MODE_RELEASE_BUFFERS\` (set on
  the server's \`SSL_CTX\` through a throwaway native addon; Node does not set it): 45.3 → 45.8 KiB, no change;
  \`MALLOC_MMAP_THRESHOLD_=65536\` or 16384 (the BIO buffers in their own mappings): 45.4 → 45.3 / 45.6 KiB. A V8 young
  generation capped at 1 MiB (\`--max-semi-space-size=1\`): 45.3 → 43.2 KiB at 2,000, 41.6 → 40.8 at 6,000, at the cost of
  more scavenges on the data path. So with \`node:tls\` a device costs ~40 KiB before SSH: the 40 KiB goal is
  out of reach of any tuning of ours (edge 0 holds 68.8 KiB per device: TLS ~42, ssh2 and the session ~27).
- glibc arenas (\`MALLOC_ARENA_MAX=1\`: 90 vs 73 KiB). jemalloc measured 69 vs 73 KiB in an earlier probe (2,000 devices) and
  was left then; at 10,000 it saves 12 KiB per device and is now in (table above). The rest of the native memory is
  OpenSSL's per-connection state (~30 KiB for TLS 1.3 with a client certificate) and ssh2's
  (~37 KiB: ~10 KiB of JS objects, native cipher contexts). 40 KiB per device would need another SSH
  implementation or TLS stack, not tuning.
- The gap between a full handshake and a resumed one (\`fleet/edge-probe.js --restart\`: the edge SIGKILLed and started again,
  its devices back with their sessions; 2026-11-23): 5,000 devices 67.2 → 51.3 KiB per device; 2,000 devices 68.0 → 53.1;
  with the agents' resumption switched off the restarted edge holds 66.8, so it is the full handshake, not the ramp. At
  2,000 devices the heap spaces account for it: after the ramp of full handshakes V8's young generation stayed at its
  32 MiB maximum (31.3 MiB resident) against 3.5 MiB on the restarted edge, with the old space alike (50.2 and 53.3 MiB
  used). That is ~28 MiB per process, ~2.8 KiB per device at 10,000. The rest (at 5,000: 81 MiB of anonymous memory, so
  ~10 KiB per device) is native, freed but not returned by glibc: what jemalloc gets back (table above; these figures
  are with glibc, \`edge-probe --glibc\`). Node's Buffer pool (\`Buffer.poolSize\` 1,024 or 256 instead of 8,192): 67.6, no change: the heap snapshot holds 196
  pinned 8 KiB pools for 2,000 devices (1.5 MiB), one ssh2 decipher's 16-byte tag pinning each.
- Where an idle device's native memory goes (2026-11-23, jemalloc's own heap profiler: \`edge-probe --malloc-conf
  prof:true,lg_prof_sample:15,lg_prof_interval:27\`, 3,000 devices, a dump from the idle window, read with \`jeprof\`):
  ~105 KiB malloc'd per device, nearly all of it Node's TLS (ssh2's cipher context aside): 62 KiB the \`NodeBIO\` read buffer (\`TLSWrap::OnStreamAlloc\`,
  sized from libuv's 64 KiB read hint), 16.5 KiB its write buffer (the server's handshake flight), 8.4 KiB
  OpenSSL's \`SSL\`, 4.2 KiB the client certificate decoded (\`tls_process_client_certificate\`), 4.2 KiB cipher
  contexts (TLS 1.3's AES-256-GCM and ssh2's AES-128-GCM, ~2.1 each), ~3 KiB the rest of the handshake's state. What is
  resident of it is ~30 KiB: the buffers' untouched pages are not, unless the allocator handed them out dirty. A
  heap snapshot of the same edge with 5,000 devices after 60 s idle: 103 MiB of old space used, ~19 KiB per device of
  JS objects (TLSSocket, the socket it wraps, their stream states and once-listeners, ssh2's Protocol, Channel and
  handler table, our session). ~30 native + ~19 JS: ~49 KiB per device is the floor of \`node:tls\` + ssh2 here.
  Since 2026-11-23 (evening) every run measures that floor itself, a bare \`node:tls\` + \`ssh2\` server holding the
  same devices with nothing of tether (the "stack floor" rows above, [device-floor.md](device-floor.md)): 55.0 KiB per
  device at 10,000 on jemalloc in the 21:37Z run, 35.5 of them \`node:tls\` alone; the edge held 51.2–51.9.
- Fresh pages for each connection's buffers: jemalloc \`dirty_decay_ms:0,muzzy_decay_ms:0\` (freed pages purged at
  once, so a new connection's 64 KiB read buffer is not handed a page another buffer dirtied): 5,000-device probe
  61.4 → 53.3–53.7 KiB per device. But the request path's bulk fell by 40 %: download 184–199 → 108–120 MB/s, upload
  172–215 → 115–128 (A/B on the slower machine of the 12:08Z run below, alternating, three rounds each); with \`tcache_nslots_large:256\`
  as well 52.5 KiB and download 84–108 MB/s. \`dirty_decay_ms:1000\`: 61.1 KiB, no change (it is the reuse of dirty
  pages at allocation that costs, not their purge later). Rejected: the edge relays bulk too.
- V8's memory reducer: after a ramp the edge's heap shrinks by itself some 25–35 s into the idle time (5,000-device
  probe: 60.6–61.0 KiB per device for the first 20 s, then 55.6–56.8; the young generation back from its 16 MiB
  semi-spaces to 1 MiB). Not at 10,000 devices: a full fleet run (12:08Z, on a machine 1.6x slower than the tables'
  one: minting 5.05 against 3.19 ms per certificate) read 54.5 KiB per device at 10 s idle and 55.2 at 40 s; with 500
  keepalive exchanges a second the edge allocates too fast for V8 to count it idle. The fleet bench now reports both.
  The same run, for the record of how much the machine matters: idle CPU 8.83 % mean (10.30 % worst window), storm
  44.4 s, edge CPU per connect 3.89 ms (the 09:23Z run on the AMD host: 4.57 %, 24.9 s, 2.83 ms).
- One timer wheel for all SSH keepalives: ssh2 keeps one \`setInterval\` per connection, refreshed on each packet;
  Node keeps timers of one duration in one list (O(1) refresh) and, with the device driving, they never fire.
  Not worth patching ssh2.
`;

/** Channel names on the bus (the Redis bus puts `<redis_prefix>bus:` in front). */
export const queryChannel = (topic: string) => `query:${topic}`;
export const replyChannel = (qid: string) => `reply:${qid}`;

/** Built-in query: flush the totals, then answer the member's gauges (metrics.cgi). */
export const METRICS_TOPIC = 'metrics';
/** Gateways answer their ongoing requests (status.cgi). */
export const REQUESTS_TOPIC = 'requests';

/** Debug stream: listeners announce what they want; processes publish matching log records. */
export const DEBUG_LISTEN_CHANNEL = 'debug:listen';
export const DEBUG_LOG_CHANNEL = 'debug:log';

export interface QueryMessage {
  qid: string;
  /** Only members of these roles answer (all when absent). */
  roles?: string[];
  args?: unknown;
}

export interface ReplyMessage {
  qid: string;
  member: { id: string; role: string };
  body?: unknown;
  error?: string;
}

/** A gateway's ongoing request as it answers REQUESTS_TOPIC (status.cgi, tables 3 and 6). */
export interface OngoingRequestInfo {
  /** 32 hex digits. */
  id: string;
  mac: string;
  srcaddr: string;
  url: string;
  connectedAt: number;
  /** Bytes received from the user for this request (its body). */
  rx: number;
  /** Bytes sent to the user for this request (the answer, head and body). */
  tx: number;
}

/** The device tunnel's fixed names and numbers: both ends import them from here. */
export const PROTOCOL_VERSION = 2;
/** OU an agent requires in the server certificate (O3C section 8.2). */
export const SERVER_CERT_OU = 'ST Server';
/** SSH subsystem carrying hello and commands as JSON lines. */
export const CONTROL_SUBSYSTEM = 'o3c-control';
/** Address and port the agent asks the edge to forward (the device's own web server). */
export const FORWARD_BIND_ADDR = '127.0.0.1';
export const FORWARD_BIND_PORT = 80;

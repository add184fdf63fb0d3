import { spawn } from 'node:child_process';

export interface CurlResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the real curl (as the O3C reference does: `curl -x proxy ...`). */
export function curl(args: string[], opts: { input?: Buffer; timeoutMs?: number } = {}): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('curl', ['--silent', '--show-error', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    if (opts.input) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Pki } from './pki.js';

export interface ApiResponse {
  status: number;
  body: string;
}

/**
 * One HTTPS request to the apiserver as admin, trusting only the test CA. Raw HTTP on purpose:
 * server-side apply then sends the Argo CD CRD files byte for byte as shipped, with no client
 * model in between that could drop or reshape a field.
 */
export function apiRequest(
  port: number,
  pki: Pki,
  method: 'GET' | 'PATCH',
  path: string,
  body?: { text: string; contentType: string },
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${pki.adminToken}`, Accept: 'application/json' };
    if (body) headers['Content-Type'] = body.contentType;
    const req = request({ host: '127.0.0.1', port, path, method, ca: readFileSync(pki.caCert), headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body?.text);
  });
}

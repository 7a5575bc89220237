import { readFileSync } from 'node:fs';
import type { HomeRedisPaths } from './paths.js';

/** What the keeper publishes while it serves (`keeper.json`). */
export interface KeeperRecord {
  keeperPid: number;
  keeperStart?: string;
  redisPid: number;
  redisStart?: string;
  port: number;
  host: string;
  dir: string;
  since: string;
}

export function readRecord(file: string): KeeperRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeeperRecord>;
    return typeof r.keeperPid === 'number' && typeof r.port === 'number' && typeof r.redisPid === 'number' ? (r as KeeperRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function readPassword(paths: HomeRedisPaths): string | undefined {
  try {
    return readFileSync(paths.password, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { jobContext } from '../../../test/support/fakes.js';
import { diagnoseJob } from './diagnose.js';

const redis = { info: async () => '# Server\r\nredis_version:7.0.15\r\n' };
const versionOf = async (bin: string) => (bin === 'git' ? 'git version 2.39.5' : 'OpenTofu v1.12.6');

describe('diagnose job', () => {
  it('reports the worker, Redis, git and the Terraform CLI it can reach', async () => {
    const { ctx, reporter } = jobContext('diagnose', {});
    const message = await diagnoseJob({ redis, tfBinary: () => '/usr/bin/tofu', versionOf }).run(ctx);
    expect(reporter.progressTexts()).toEqual(['Checking Redis, git and Terraform on the worker…']);
    expect(message.title).toBe('Diagnosis');
    expect(message.fields?.slice(1)).toEqual([
      { label: 'Redis', value: '7.0.15' },
      { label: 'git', value: 'git version 2.39.5' },
      { label: 'Terraform CLI', value: 'OpenTofu v1.12.6 (/usr/bin/tofu)' },
    ]);
    expect(message.fields?.[0]?.value).toBe(`pid ${process.pid}, Node.js ${process.version}`);
  });

  it('no Terraform CLI anywhere is a detail, not a failure', async () => {
    const { ctx } = jobContext('diagnose', {});
    const message = await diagnoseJob({ redis, tfBinary: () => undefined, versionOf }).run(ctx);
    expect(message.fields?.at(-1)).toEqual({ label: 'Terraform CLI', value: 'not found (set TF_BINARY or put terraform/tofu on PATH)' });
  });

  it('a TF_BINARY that is not there is a broken worker: E_TF_MISSING', async () => {
    const { ctx } = jobContext('diagnose', {});
    await expect(diagnoseJob({ redis, tfBinary: () => undefined, tfConfigured: '/opt/tofu', versionOf }).run(ctx)).rejects.toMatchObject({
      code: 'E_TF_MISSING',
      message: 'TF_BINARY is set to "/opt/tofu", which is not an executable on this worker.',
    });
  });
});

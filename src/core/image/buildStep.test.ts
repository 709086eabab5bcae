import { describe, expect, it } from 'vitest';
import { parseBuildStep, stepSummary } from './buildStep';

describe('parseBuildStep', () => {
  it('reads BuildKit RUN steps with build arguments and a multi-line script', () => {
    const step = parseBuildStep(
      'RUN |1 GITHUB_TOKEN=ghp_FAKE0000 /bin/sh -c set -eux\necho "patched=1" >> /app/config/app.conf # buildkit',
    );
    expect(step).toEqual({
      instruction: 'RUN',
      buildArgs: [{ name: 'GITHUB_TOKEN', value: 'ghp_FAKE0000' }],
      command: 'set -eux\necho "patched=1" >> /app/config/app.conf',
      shell: true,
    });
    expect(stepSummary(step)).toBe('RUN set -eux echo "patched=1" >> /app/config/app.conf');
  });

  it('reads the classic builder, with and without arguments', () => {
    expect(parseBuildStep('/bin/sh -c #(nop)  ENV A=1')).toEqual({
      instruction: 'ENV',
      buildArgs: [],
      command: 'A=1',
      shell: false,
    });
    expect(parseBuildStep('|2 A=1 B= /bin/sh -c make')).toEqual({
      instruction: 'RUN',
      buildArgs: [
        { name: 'A', value: '1' },
        { name: 'B', value: '' },
      ],
      command: 'make',
      shell: true,
    });
    expect(stepSummary(parseBuildStep('/bin/sh -c #(nop) COPY dir:abc in /opt/app/ '))).toBe(
      'COPY dir:abc in /opt/app/',
    );
  });

  it('reads BuildKit metadata steps and leaves unknown text as it is', () => {
    expect(parseBuildStep('COPY --chmod=0644 app.conf /app/ # buildkit').instruction).toBe('COPY');
    expect(parseBuildStep('WORKDIR /app')).toMatchObject({ instruction: 'WORKDIR', command: '/app' });
    expect(parseBuildStep('created by a squash tool')).toMatchObject({
      instruction: '',
      command: 'created by a squash tool',
    });
    expect(parseBuildStep(null)).toMatchObject({ instruction: '', command: '' });
    // a `|` that starts no argument list
    expect(parseBuildStep('|3 A=1 /bin/sh -c x')).toMatchObject({ instruction: '', buildArgs: [] });
  });
});

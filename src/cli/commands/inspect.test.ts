import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/bytes/byteSource';
import { openArchive } from '../../core/image/open';
import { dockerArchive } from '../../testing/archives';
import type { CliIo } from '../io';
import { run } from './inspect';

function ioFor(bytes: Uint8Array) {
  const out: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: () => {},
    openArchive: async (path) => openArchive(new MemorySource(bytes, path)),
  };
  return { io, stdout: () => out.join('') };
}

describe('inspect, read by a person', () => {
  it('keeps each layer on one line and gives BuildKit build args a line of their own', async () => {
    const { io, stdout } = ioFor(
      dockerArchive([
        {
          tags: ['docker.io/library/heredoc:1'],
          layers: [[{ name: 'a', content: '1' }], [{ name: 'b', content: '2' }]],
          history: [
            { createdBy: 'COPY a / # buildkit' },
            { createdBy: 'RUN |2 TOKEN=x MODE=fast /bin/sh -c set -e\necho \u001b[31mred > /b # buildkit' },
          ],
        },
      ]),
    );
    expect(await run(['img.tar'], io)).toBe(0);
    const text = stdout();
    expect(text).toContain('image 0: heredoc:1  sha256:');
    const lines = text.split('\n');
    const run1 = lines.findIndex((l) => l.includes('RUN set -e echo \\x1B[31mred > /b'));
    expect(run1).toBeGreaterThan(0);
    expect(lines[run1 + 1].trim()).toBe('build args: TOKEN=x MODE=fast');
    expect(text).not.toContain('\u001b');
  });
});

import { describe, expect, it } from 'vitest';
import { candidateEngines, EngineError, findImage } from './engine';

describe('which engine is asked', () => {
  it("honours DOCKER_HOST and CONTAINER_HOST, else each engine's usual socket", () => {
    expect(candidateEngines(undefined, {}).map((e) => [e.name, e.socketPath])).toEqual([
      ['docker', '/var/run/docker.sock'],
      ['podman', '/run/podman/podman.sock'],
    ]);
    expect(candidateEngines('podman', { XDG_RUNTIME_DIR: '/run/user/1000' })[0].socketPath).toBe(
      '/run/user/1000/podman/podman.sock',
    );
    expect(candidateEngines('docker', { DOCKER_HOST: 'unix:///tmp/d.sock' })[0]).toMatchObject({
      socketPath: '/tmp/d.sock',
      where: '/tmp/d.sock (DOCKER_HOST)',
    });
    expect(candidateEngines('docker', { DOCKER_HOST: 'tcp://10.0.0.2:2376' })[0]).toMatchObject({
      host: '10.0.0.2',
      port: 2376,
    });
    expect(candidateEngines('podman', { CONTAINER_HOST: 'unix:///x/p.sock' })[0].socketPath).toBe(
      '/x/p.sock',
    );
    expect(() => candidateEngines('docker', { DOCKER_HOST: 'ssh://me@host' })).toThrow(EngineError);
  });

  it('says precisely that no engine answered, and where it looked', async () => {
    const engines = candidateEngines(undefined, {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      CONTAINER_HOST: 'unix:///nonexistent/podman.sock',
    });
    await expect(findImage('nginx:latest', engines)).rejects.toThrow(
      'no container engine answered, so "nginx:latest" cannot be saved:\n' +
        '  docker at /nonexistent/docker.sock (DOCKER_HOST): no socket there\n' +
        '  podman at /nonexistent/podman.sock (CONTAINER_HOST): no socket there\n',
    );
  });
});

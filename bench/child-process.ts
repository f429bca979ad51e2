/**
 * A helper of a benchmark in a process of its own (the fake Clockify, the receivers): forks `module` with
 * `--child` and its arguments under tsx, and waits for its typed IPC messages.
 */
import { type ChildProcess, fork } from 'node:child_process';

export type Message = { type: string };

export function forkChild<M extends Message>(module: string, args: string[]) {
  const child: ChildProcess = fork(new URL(module).pathname, ['--child', ...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  /** The next message of this type; rejects if the child exits first. */
  const next = <T extends M['type']>(type: T) =>
    new Promise<Extract<M, { type: T }>>((resolve, reject) => {
      const onMessage = (m: M) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<M, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`${module} exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return {
    next,
    /** Sends `{ type }` and waits for the child's answer of the same type. */
    async ask<T extends M['type']>(type: T): Promise<Extract<M, { type: T }>> {
      const answer = next(type);
      child.send({ type });
      return answer;
    },
    /** Asks the child to close and waits for it to exit. */
    async close(): Promise<void> {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/**
 * "Work may be due": rung by whatever makes work (a created task, a due status query), answered
 * by the task runner when this process has one. Made before both, so neither refers to the
 * other, and a process without a runner (the API role) simply has nobody answering.
 */
export class Doorbell {
  private readonly answers: Array<() => void> = [];

  ring(): void {
    for (const answer of this.answers) answer();
  }

  answer(fn: () => void): void {
    this.answers.push(fn);
  }
}

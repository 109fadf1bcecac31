/**
 * Lets a polling loop sleep until either its interval passes or something wakes it.
 * A wake that arrives while the loop is busy is remembered, so the next wait returns at once.
 */
export class WakeSignal {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }
}

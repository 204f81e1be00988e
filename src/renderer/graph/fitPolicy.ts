/**
 * When the view fits itself to the picture: on the first paint, and when the picture's shape
 * changes, until the user zooms or pans; from then on their view is theirs (until they ask for a
 * fit, which hands it back).
 */
export class FitPolicy {
  private userMoved = false;
  private lastKey: string | undefined;

  /** A zoom or pan the user made (wheel, drag, pinch, keyboard); not one the app made. */
  userMove(): void {
    this.userMoved = true;
  }

  /** The user asked for a fit (the fit button, the command): auto-fit resumes. */
  userFit(): void {
    this.userMoved = false;
  }

  /** True when the view should fit now, given the picture's shape. Remembers the shape either way. */
  shouldFit(shapeKey: string): boolean {
    const changed = shapeKey !== this.lastKey;
    this.lastKey = shapeKey;
    return changed && !this.userMoved;
  }
}

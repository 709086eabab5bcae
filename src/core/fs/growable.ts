/**
 * Append-only typed arrays. The model records events and records per node while it stacks
 * layers; plain arrays of numbers would cost 4-8 times the memory on images of 100k+ paths.
 */
type TypedArray = Int32Array | Uint8Array | Float64Array;
type TypedArrayConstructor<T extends TypedArray> = new (length: number) => T;

class Growable<T extends TypedArray> {
  length = 0;
  data: T;

  constructor(
    private readonly make: TypedArrayConstructor<T>,
    initialCapacity = 1024,
  ) {
    this.data = new make(Math.max(16, initialCapacity));
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const next = new this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = value;
    return this.length++;
  }

  get(index: number): number {
    return this.data[index];
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The values pushed so far, without a copy (valid until the next push). */
  values(): T {
    return this.data.subarray(0, this.length) as T;
  }

  /** Lets the memory go once the column has been packed (it starts again small if pushed to). */
  release(): void {
    this.data = new this.make(16);
    this.length = 0;
  }

  /** A right-sized copy, so the spare capacity is not kept for the life of the model. */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export class GrowableInt32 extends Growable<Int32Array> {
  constructor(initialCapacity?: number) {
    super(Int32Array, initialCapacity);
  }
}

export class GrowableUint8 extends Growable<Uint8Array> {
  constructor(initialCapacity?: number) {
    super(Uint8Array, initialCapacity);
  }
}

export class GrowableFloat64 extends Growable<Float64Array> {
  constructor(initialCapacity?: number) {
    super(Float64Array, initialCapacity);
  }
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of op names, encoded once: encoding on every call cost more than the call. */
export class OpNames {
  readonly #cache = new Map<string, Uint8Array>();

  bytes(op: string): Uint8Array {
    let bytes = this.#cache.get(op);
    if (bytes === undefined) {
      bytes = utf8.encode(op);
      if (this.#cache.size < 1024) this.#cache.set(op, bytes);
    }
    return bytes;
  }
}

// What the bare baseline servers do to every byte: a sha256 taken as the bytes pass through.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export function sha256Pass(): { stream: Transform; digest(): string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

// Opens the ObjectStore for a storage root; one store (and S3 client) per root for the life of the process.
import { LocalObjectStore } from './local-store';
import type { ObjectStore } from './object-store';
import { createS3Client, type S3Limits, type S3Settings, S3ObjectStore } from './s3-store';

export class StoreRegistry {
  private readonly stores = new Map<string, ObjectStore>();

  constructor(
    private readonly s3Settings: S3Settings = {},
    /** Per-root S3 settings (credentials of a particular bucket), overriding the defaults. */
    private readonly s3SettingsByRoot: Record<string, S3Settings> = {},
    /** Local paths no store may read or write, whatever its root (the database folder, the signing secret). */
    private readonly protectedPaths: string[] = [],
    private readonly s3Limits?: S3Limits,
  ) {}

  storeFor(root: string): ObjectStore {
    let store = this.stores.get(root);
    if (!store) {
      store = root.startsWith('s3://')
        ? new S3ObjectStore(root, createS3Client({ ...this.s3Settings, ...this.s3SettingsByRoot[root] }), this.s3Limits)
        : new LocalObjectStore(root, this.protectedPaths);
      this.stores.set(root, store);
    }
    return store;
  }
}

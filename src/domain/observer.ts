// What the domain reports as it works (counted by /metrics); GraphQL-free and optional.
export interface TroveObserver {
  uploadReceived(bytes: number): void;
  artifactSaved(created: boolean): void;
  recovered(counts: Record<'finished' | 'undone' | 'objectsDeleted' | 'uploadsExpired' | 'errors', number>): void;
}

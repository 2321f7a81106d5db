// LaminDB's canonical suffixes (lamindb-setup's CanonicalSuffix, whose list of known formats is reproduced here):
// a file name's suffix is kept only when it names a known storage format, so a LaminDB instance and Trove store the
// same file under the same `.lamindb/{uid}{suffix}` key. Known suffixes are lower-cased, composite formats
// (`.ome.zarr`) are kept whole, a compression suffix keeps the known format before it (`.csv.gz`, `.h5ad.tar.gz`)
// or stands alone (`file.random.gz` -> `.gz`), and anything unknown (`a.123`, `unknown.XYZ`) gives "".

/** The extensions of the MIME registry and common scientific formats. */
const SIMPLE_FORMATS = new Set([
  '.3g2', '.3gp', '.3gpp', '.3gpp2', '.a', '.aac', '.adts', '.ai', '.aif', '.aifc', '.aiff', '.ass', '.au', '.avi',
  '.avif', '.bat', '.bcpio', '.bin', '.bmp', '.c', '.cdf', '.cpio', '.csh', '.css', '.csv', '.dll', '.doc', '.dot',
  '.dvi', '.eml', '.eps', '.etx', '.exe', '.gif', '.gtar', '.h', '.h5', '.hdf', '.heic', '.heif', '.htm', '.html',
  '.ico', '.ief', '.jpe', '.jpeg', '.jpg', '.js', '.json', '.ksh', '.latex', '.loas', '.m1v', '.m3u', '.m3u8', '.man',
  '.markdown', '.md', '.me', '.mht', '.mhtml', '.mid', '.midi', '.mif', '.mjs', '.mov', '.movie', '.mp2', '.mp3',
  '.mp4', '.mpa', '.mpe', '.mpeg', '.mpg', '.ms', '.n3', '.nc', '.nq', '.nt', '.nws', '.o', '.obj', '.oda', '.opus',
  '.p12', '.p7c', '.pbm', '.pct', '.pdf', '.pfx', '.pgm', '.pic', '.pict', '.pl', '.png', '.pnm', '.pot', '.ppa',
  '.ppm', '.pps', '.ppt', '.ps', '.pwz', '.py', '.pyc', '.pyo', '.qt', '.ra', '.ram', '.ras', '.rdf', '.rgb', '.roff',
  '.rtf', '.rtx', '.sgm', '.sgml', '.sh', '.shar', '.snd', '.so', '.src', '.srt', '.sv4cpio', '.sv4crc', '.svg',
  '.swf', '.t', '.tar', '.tcl', '.tex', '.texi', '.texinfo', '.tif', '.tiff', '.tr', '.trig', '.tsv', '.txt',
  '.ustar', '.vcf', '.vtt', '.wasm', '.wav', '.webm', '.webmanifest', '.webp', '.wiz', '.wsdl', '.xbm', '.xlb',
  '.xls', '.xml', '.xpdl', '.xpm', '.xsl', '.xul', '.xwd', '.zip', '.fasta', '.fastq', '.bam', '.sam', '.cram',
  '.bcf', '.bed', '.gff', '.gff3', '.gtf', '.bigwig', '.bw', '.bedgraph', '.gb', '.genbank', '.embl', '.nwk',
  '.newick', '.obo', '.fcs', '.h5ad', '.h5mu', '.loom', '.parquet', '.xlsx', '.arrow', '.feather', '.orc', '.avro',
  '.mtx', '.npy', '.npz', '.hdf5', '.zarr', '.tiledb', '.tiledbsoma', '.soma', '.jsonl', '.ndjson', '.yaml', '.yml',
  '.pkl', '.pickle', '.qs', '.rds', '.pt', '.pth', '.ckpt', '.state_dict', '.keras', '.pb', '.pbtxt', '.savedmodel',
  '.safetensors', '.model', '.mlmodel', '.mar', '.onnx', '.gguf', '.tflite', '.joblib', '.dcm', '.nd2', '.czi',
  '.lif', '.svs', '.ipynb', '.rar', '.7z', '.db', '.duckdb', '.sqlite', '.data',
]);

/** Formats whose meaning is carried by two parts; they win over their last part (`.anndata.zarr` over `.zarr`). */
const COMPOSITE_FORMATS = ['.anndata.zarr', '.vitessce.json', '.ome.zarr', '.ome.h5', '.ome.hdf5'];

/** Stream encodings appended to another suffix (`.csv.gz`, `.tar.xz`). */
const ENCODING_FORMATS = new Set(['.gz', '.bz2', '.xz', '.zst']);

/** The suffixes of the last path component, as Python's PurePath.suffixes lists them (lower-cased). */
function suffixesOf(path: string): string[] {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.endsWith('.')) return [];
  return name
    .replace(/^\.+/, '')
    .split('.')
    .slice(1)
    .map((part) => `.${part}`.toLowerCase());
}

export interface ExtractedSuffix {
  /** The suffix stored on the artifact: a known format, or "". */
  canonical: string;
  /** The suffix as written (lower-cased), compared between a key and its file. */
  raw: string;
}

export function extractSuffix(path: string): ExtractedSuffix {
  const suffixes = suffixesOf(path);
  const last = suffixes.at(-1) ?? '';
  const total = suffixes.join('');
  const same = (suffix: string) => ({ canonical: suffix, raw: suffix });
  if (suffixes.length < 2) {
    return SIMPLE_FORMATS.has(total) || ENCODING_FORMATS.has(total) ? same(total) : { canonical: '', raw: last };
  }
  const composite = COMPOSITE_FORMATS.find((format) => total.endsWith(format));
  if (composite) return same(composite);
  if (SIMPLE_FORMATS.has(last)) return same(last);
  if (ENCODING_FORMATS.has(last)) {
    const previous = suffixes.at(-2)!;
    const encoded = previous + last; // e.g. ".tar.gz", ".csv.bz2"
    if (previous === '.tar') {
      // .h5ad.tar.gz keeps the format archived; a bare .tar.gz is just that
      const archived = suffixes.length > 2 ? suffixes.at(-3)! : undefined;
      return same(archived && SIMPLE_FORMATS.has(archived) ? archived + encoded : encoded);
    }
    return same(SIMPLE_FORMATS.has(previous) ? encoded : last);
  }
  return { canonical: '', raw: last };
}

/** The suffix an artifact stores for a file or key named `path`. */
export function canonicalSuffix(path: string): string {
  return extractSuffix(path).canonical;
}

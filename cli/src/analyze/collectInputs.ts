import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { attr, readPart10 } from '@lungflow/dicom';

/** One thing `lungflow analyze` reports on: a picture file, a DICOM study (one or more files), or a path it refused. */
export type AnalysisInput =
  | { kind: 'picture'; input: string; file: string }
  | { kind: 'dicom'; input: string; studyInstanceUid: string; files: string[] }
  | { kind: 'invalid'; input: string; reason: string };

type FileKind = 'png' | 'jpeg' | 'dicom' | 'unknown';

const IGNORED_IN_FOLDERS = /\.(md|txt|csv|json|xlsx?|pdf|html?|xml|zip|gz|py|ts|js)$/i;

/** Sniffs the first bytes: PNG and JPEG signatures, "DICM" after the 128-byte preamble, else the .dcm extension (bare data sets). */
async function sniff(file: string): Promise<FileKind> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    if (bytesRead >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
    if (bytesRead >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
    if (bytesRead === 132 && head.toString('latin1', 128, 132) === 'DICM') return 'dicom';
    if (/\.(dcm|dicom)$/i.test(file)) return 'dicom';
    return 'unknown';
  } finally {
    await handle.close();
  }
}

/**
 * The files under `dir`, depth first, one directory listing at a time: a folder's names are read and sorted (so the
 * order is stable), then its files are yielded and its sub-folders walked as the consumer asks for more. Memory is
 * one listing per open level, never the whole tree.
 */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** How many files the walk of `paths` will visit (a listing-only pass, no file is opened): the progress bar's total. */
export async function countFiles(paths: readonly string[]): Promise<number> {
  let count = 0;
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info?.isDirectory()) {
      count += 1;
      continue;
    }
    for await (const file of walk(given)) if (!IGNORED_IN_FOLDERS.test(file)) count += 1;
  }
  return count;
}

export interface WalkOptions {
  /** Called for each file of a folder that is passed over (neither a picture nor DICOM), so progress still adds up. */
  onSkipped?: (file: string) => void;
}

/**
 * Expands the command's paths lazily, as the analysis asks for the next input: a file is one input; a folder
 * contributes every picture it holds (each its own input, yielded as soon as the walk reaches it) and its DICOM
 * files grouped into studies by Study Instance UID. Files in folders that are neither pictures nor DICOM (notes,
 * spreadsheets) are skipped unless their name says PNG or JPEG; a named file of unknown type, or a DICOM file that
 * cannot be read, is an invalid input with its reason, and the other inputs still run.
 *
 * DICOM grouping while streaming: a study's files may lie anywhere under the folder, so a folder's studies are
 * yielded after its walk, from a first cheap pass that keeps only each file's path under its Study Instance UID
 * (about 100 bytes per file, no pixels). The header pass reads each DICOM file once more than the analysis does;
 * the alternative (a study yielded when its sub-folder ends) would split a study whose files span folders.
 */
export async function* walkInputs(paths: readonly string[], options: WalkOptions = {}): AsyncGenerator<AnalysisInput> {
  for (const given of paths) {
    let info;
    try {
      info = await stat(given);
    } catch (error) {
      yield { kind: 'invalid', input: given, reason: `cannot open: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
      continue;
    }
    const inFolder = info.isDirectory();
    const files = inFolder ? walk(given) : [given];
    const studies = new Map<string, string[]>();
    for await (const file of files) {
      if (inFolder && IGNORED_IN_FOLDERS.test(file)) continue;
      const kind = await sniff(file);
      if (kind === 'png' || kind === 'jpeg') yield { kind: 'picture', input: file, file };
      else if (kind === 'dicom') {
        try {
          // The header only decides the grouping; each study is read again when it is analysed, so memory stays
          // bounded by one study, not by the whole folder.
          const { dataset } = readPart10(new Uint8Array(await readFile(file)));
          const study = attr.string(dataset, 'StudyInstanceUID') ?? `(no StudyInstanceUID: ${file})`;
          const studyFiles = studies.get(study);
          if (studyFiles) studyFiles.push(file);
          else studies.set(study, [file]);
        } catch (error) {
          yield { kind: 'invalid', input: file, reason: `not a readable DICOM file: ${(error as Error).message}` };
        }
      } else if (!inFolder || /\.(png|jpe?g)$/i.test(file)) yield { kind: 'invalid', input: file, reason: 'not a PNG, JPEG or DICOM file' };
      else options.onSkipped?.(file);
    }
    for (const [studyInstanceUid, studyFiles] of studies) {
      const input = inFolder ? (studies.size === 1 ? given : `${given} (study ${studyInstanceUid})`) : given;
      yield { kind: 'dicom', input, studyInstanceUid, files: studyFiles };
    }
  }
}

/** Every input of `paths` at once (tests and small callers; the command streams with walkInputs). */
export async function collectInputs(paths: readonly string[]): Promise<AnalysisInput[]> {
  const inputs: AnalysisInput[] = [];
  for await (const input of walkInputs(paths)) inputs.push(input);
  return inputs;
}

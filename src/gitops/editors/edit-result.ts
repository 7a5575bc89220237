/** What every editor returns: the new file text and the reference before and after. */
export interface EditResult {
  text: string;
  /** Tag or digest before the edit; null when the file did not pin one (bare image, no entry). */
  old: string | null;
  new: string;
  /** False when the file already pointed at the requested reference; `text` is then unchanged. */
  changed: boolean;
}

/** One body part of a multipart/related message. */
export interface MultipartPart {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The part's bytes exactly as sent: a view into the message, not a copy. */
  body: Uint8Array;
}

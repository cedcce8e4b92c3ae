import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LungFlowError } from '@lungflow/errors';
import { sharedDataDir } from '../sharedData.testHelper';
import { decodePicture } from './decodePicture';

describe('decodePicture', () => {
  it("reduces a colour JPEG to gray exactly as Pillow's convert('L') does", async () => {
    // 000001-2.jpg is stored as RGB; the hash is of Pillow 13's `np.asarray(Image.open(p).convert('L')).tobytes()`.
    const gray = await decodePicture(new Uint8Array(readFileSync(path.join(sharedDataDir(), 'cxr/ieee8023/images/000001-2.jpg'))));
    expect([gray.width, gray.height]).toEqual([715, 645]);
    expect(createHash('sha256').update(gray.data).digest('hex')).toBe('83641ceb21565d9306433c8b0c29da482c62ce1bee47e8cf9de65d458ff05483');
  });

  it('refuses bytes that are not an image, naming the source', async () => {
    const attempt = decodePicture(new TextEncoder().encode('not an image'), 'notes.png');
    await expect(attempt).rejects.toBeInstanceOf(LungFlowError);
    await expect(attempt).rejects.toThrow(/notes\.png is not a readable PNG or JPEG/);
  });
});

import { lazy } from '../../lazy.js';

const qrcode = lazy(() => import('qrcode'));

/** The otpauth:// URI as an SVG QR code, for the account page to show inline. */
export const otpauthQrSvg = async (uri: string): Promise<string> =>
  (await qrcode()).default.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

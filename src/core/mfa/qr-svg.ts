import QRCode from 'qrcode';

/** The otpauth:// URI as an SVG QR code, for the account page to show inline. */
export const otpauthQrSvg = (uri: string): Promise<string> => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

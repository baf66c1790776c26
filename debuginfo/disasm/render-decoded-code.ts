// Text for a decoded `Code:` line in scripts/decodecode's layout: "All code" with the faulting line
// marked `:*` and `<-- trapping instruction`, then "Code starting with the faulting instruction".
import type { DecodedCode, DecodedCodeListing } from './decode-code.js';
import { addressWidthFor, renderListingLines } from './listing-line.js';

const trapping = '\t\t<-- trapping instruction';

function renderListing(decoded: DecodedCode, listing: DecodedCodeListing): string[] {
  const width = addressWidthFor(listing.instructions);
  return listing.instructions.flatMap((insn, i) =>
    renderListingLines(
      insn,
      i === listing.faultIndex
        ? { arch: decoded.arch, addressWidth: width, colon: ':*', suffix: trapping }
        : { arch: decoded.arch, addressWidth: width },
    ),
  );
}

export function renderDecodedCode(decoded: DecodedCode): string {
  const out: string[] = ['All code', '========', ...renderListing(decoded, decoded.all)];
  if (decoded.markerOffset !== undefined && (!decoded.all.alignedOnMarker || decoded.bestGuess)) {
    out.push(
      '',
      decoded.all.alignedOnMarker
        ? 'That decode has undecodable bytes before the faulting instruction: the dump starts mid-instruction.'
        : 'The faulting byte is inside an instruction of that decode: the dump starts mid-instruction.',
    );
    if (decoded.bestGuess) {
      const title = `Best guess (${decoded.bestGuess.skipped} byte${decoded.bestGuess.skipped === 1 ? '' : 's'} skipped)`;
      out.push('', title, '='.repeat(title.length), ...renderListing(decoded, decoded.bestGuess));
    } else {
      out.push('No decode that skips leading bytes lands on it either.');
    }
  }
  if (decoded.fromMarker) {
    const width = addressWidthFor(decoded.fromMarker);
    out.push(
      '',
      'Code starting with the faulting instruction',
      '===========================================',
      ...decoded.fromMarker.flatMap((insn) => renderListingLines(insn, { arch: decoded.arch, addressWidth: width })),
    );
  }
  return out.join('\n') + '\n';
}

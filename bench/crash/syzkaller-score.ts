// Scores crash/ against syzkaller's own report-parser test data: titles (TITLE/ALT) on non-corrupted reports,
// guilty files (FILE) on guilty/*, and no report on header-less logs; even and odd files apart.
// Run: npx tsx bench/crash/syzkaller-score.ts [--misses]
import { scoreSyzkaller, renderSyzkallerScore } from './syzkaller-scoring.js';

const result = scoreSyzkaller();
if (!result) {
  console.log('syzkaller score: skipped, ../shared/crashes/syzkaller is absent');
} else {
  console.log(renderSyzkallerScore(result, { misses: process.argv.includes('--misses') }));
}

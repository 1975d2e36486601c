// Claims a real-run address block, prints it, and holds it until stdin closes (address-block.test.ts).
import { addressBlock } from '../../src/real-run/address-block.ts';

process.stdout.write(`${addressBlock()}\n`);
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));

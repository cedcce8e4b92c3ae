// dcmjs ships no type declarations. Typed wrappers live next to their use in this package; outside it, nobody
// imports dcmjs directly.
declare module 'dcmjs';

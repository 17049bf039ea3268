// The floors of harness/, top to bottom: a room imports only rooms on floors below its own
// (README, "Layout"). Rooms on one floor do not import each other. `scripts/layering.mjs`
// checks it, and `npm test` counts a violation as one failure.
const FLOORS = [
  ['cli'],
  ['scenario'],
  ['gate'],
  ['fuzz', 'check'],
  ['load'],
  // Beside the runners: the record types results.json is made of, and what they measure with.
  ['report'],
  ['measure'],
  ['project'],
  ['lanes'],
  ['isolations'],
  ['build'],
  ['coverage'],
  ['engines'],
  ['abi'],
  // Loose files at harness/: the package's and project's paths, the seeded random numbers.
  ['root'],
  ['contract'],
];

const roomPath = (room) => (room === 'root' ? '^harness/[^/]+$' : `^harness/${room}/`);
const union = (rooms) => rooms.map((room) => `(${roomPath(room)})`).join('|');

// Per room: the rooms it must not import, those above it and its neighbours on its floor.
const floorRules = FLOORS.flatMap((rooms, floor) =>
  rooms.map((room) => ({ room, forbidden: [...FLOORS.slice(0, floor).flat(), ...rooms.filter((r) => r !== room)] })),
)
  .filter(({ forbidden }) => forbidden.length > 0)
  .map(({ room, forbidden }) => ({
    name: `floor-${room}`,
    comment: `harness/${room} imports only rooms on floors below it`,
    severity: 'error',
    from: { path: roomPath(room) },
    to: { path: union(forbidden) },
  }));

/** Every room with a floor, and the Go host (a module of its own, not cruised). */
const LISTED = `${union(FLOORS.flat())}|^harness/hosts/`;

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'no-circular',
      comment: 'no import circles between modules',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'import-of-unlisted-room',
      comment: 'every folder of harness/ has a floor above: nothing imports one that has none',
      severity: 'error',
      from: {},
      to: { path: '^harness/', pathNot: LISTED },
    },
    {
      name: 'unlisted-room-imports',
      comment: 'every folder of harness/ has a floor above: one that has none imports nothing',
      severity: 'error',
      from: { path: '^harness/', pathNot: LISTED },
      to: {},
    },
  ],
  options: {
    // TypeScript 7 has no compiler API yet that dependency-cruiser can use: swc parses.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^harness/hosts/' },
  },
};

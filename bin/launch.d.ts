// Types of bin/launch.js (plain JavaScript: it must run before any TypeScript loader).
export declare function distIsFresh(): boolean;
export declare function launch(entry: string): Promise<void>;

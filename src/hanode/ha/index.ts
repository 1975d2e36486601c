/** The failover service's real side: target specs, probes (script / HTTP / TCP) and the notify script runner. */
export { parseTargetSpec, specError, type TargetSpec } from './target-spec.ts';
export { TargetProbe, scriptProbe, httpProbe, tcpProbe } from './probes.ts';
export { ScriptNotifier } from './notify.ts';

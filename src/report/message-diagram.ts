/**
 * The report's message diagram: time runs left to right over the whole run, one lane per
 * node, each embedded message an arrow from its sender's lane to its receiver's at the time it
 * arrived (dropped ones dashed red). Drag pans, the wheel or the buttons zoom, a window can be
 * typed in seconds or picked from the faults and violations. Spans whose messages were not
 * embedded (see message-selection.ts) are greyed; faults are shaded and violations drawn as
 * red lines. Plain inline JS and SVG: the report stays one offline file.
 */
import { humanDuration } from '../scenario/units.ts';
import type { ReportData } from './html-data.ts';
import { esc } from './escape.ts';

/** Arrows drawn at once; beyond that the view shows message density only (zoom in for arrows). */
const MAX_ARROWS = 1500;

/** The data the page script reads (embedded as JSON in the report). */
export function messageDiagramData(d: ReportData): unknown {
  return {
    nodes: d.nodes,
    messages: d.messages,
    spans: d.spans,
    endUs: d.endUs,
    faults: d.faults.map((f) => [f.from, f.to, f.label]),
    violations: d.violations.map((v) => [v.t, v.name]),
  };
}

/** The controls and the (empty, script-drawn) SVG. */
export function messageDiagramHtml(d: ReportData): string {
  const jumps = [
    ...d.faults.map((f) => [f.from, `fault at ${humanDuration(f.from)}: ${f.label}`] as const),
    ...d.violations.map((v) => [v.t, `violation at ${humanDuration(v.t)}: ${v.name}`] as const),
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([t, label]) => `<option value="${t}">${esc(label)}</option>`)
    .join('');
  return `<p><button id="msg-in" title="zoom in">+</button> <button id="msg-out" title="zoom out">−</button> <button id="msg-left" title="pan left">◀</button> <button id="msg-right" title="pan right">▶</button> <button id="msg-all">whole run</button>
· window <input id="win-from" type="number" value="0" min="0" step="0.001" style="width:90px"> s to <input id="win-to" type="number" value="${(d.endUs / 1e6).toFixed(3)}" min="0" step="0.001" style="width:90px"> s <button id="win-draw">show</button>
· go to <select id="msg-jump"><option value="">start (first election)</option>${jumps}</select></p>
<p class="muted">Drag to pan, wheel to zoom. <span id="win-info"></span></p>
<svg id="msgs" width="1110" height="60" xmlns="http://www.w3.org/2000/svg" style="cursor:grab;user-select:none;touch-action:none"></svg>`;
}

export const MSG_JS = `(function(){
var D=JSON.parse(document.getElementById('report-data').textContent);
var rows=D.messages,nodes=D.nodes,end=Math.max(1,D.endUs),svg=document.getElementById('msgs');
var L=90,W=1000,TOP=44,LH=28,H=TOP+nodes.length*LH+28,MAXA=${MAX_ARROWS};
var v0=0,v1=end,info=document.getElementById('win-info');
function e(s){return String(s).replace(/[<&"]/g,function(c){return c=='<'?'&lt;':c=='&'?'&amp;':'&quot;';});}
function hd(us){var a=Math.abs(us);return a>=1e6?(us/1e6).toFixed(a>=1e8?0:3)+'s':a>=1e3?(us/1e3).toFixed(a>=1e5?0:2)+'ms':Math.round(us)+'µs';}
function X(t){return L+(t-v0)/(v1-v0)*W;}
function lb(t){var lo=0,hi=rows.length;while(lo<hi){var m=(lo+hi)>>1;if(rows[m][0]<t)lo=m+1;else hi=m;}return lo;}
function ly(k){return TOP+k*LH+LH/2;}
function clamp(){var w=Math.min(end,Math.max(100,v1-v0));if(v0<0)v0=0;v1=v0+w;if(v1>end){v1=end;v0=end-w;}}
function draw(){clamp();var s='',i0=lb(v0),i1=lb(v1+1),n=i1-i0;
var step=Math.pow(10,Math.floor(Math.log10((v1-v0)/5)));if((v1-v0)/step>20)step*=5;else if((v1-v0)/step>10)step*=2;
for(var t=Math.ceil(v0/step)*step;t<=v1;t+=step){var x=X(t);s+='<line x1="'+x+'" y1="'+(H-26)+'" x2="'+x+'" y2="'+(H-21)+'" stroke="#888"/><line x1="'+x+'" y1="'+TOP+'" x2="'+x+'" y2="'+(H-26)+'" stroke="#f3f3f3"/><text x="'+x+'" y="'+(H-9)+'" text-anchor="middle" class="ax">'+hd(t)+'</text>';}
var sp=D.spans,prev=0;for(var k=0;k<=sp.length;k++){var a=prev,b=k<sp.length?sp[k][0]:end;if(b>a&&b>v0&&a<v1){var xa=Math.max(L,X(a)),xb=Math.min(L+W,X(b));if(xb-xa>0.5)s+='<rect class="gap" x="'+xa+'" y="'+TOP+'" width="'+(xb-xa)+'" height="'+(H-26-TOP)+'" fill="#eee"><title>messages of '+hd(a)+' – '+hd(b)+' not embedded (the report keeps those around the start, faults and violations)</title></rect>';}if(k<sp.length)prev=sp[k][1];}
for(var f=0;f<D.faults.length;f++){var F=D.faults[f];if(F[1]<v0||F[0]>v1)continue;var fa=Math.max(L,X(F[0])),fb=Math.min(L+W,Math.max(X(F[0])+2,X(F[1])));s+='<rect x="'+fa+'" y="'+TOP+'" width="'+Math.max(1,fb-fa)+'" height="'+(H-26-TOP)+'" fill="#e05555" opacity="0.12"><title>'+e(F[2])+'</title></rect>';}
for(var k2=0;k2<nodes.length;k2++){s+='<text x="4" y="'+(ly(k2)+4)+'" class="ln">'+e(nodes[k2])+'</text><line x1="'+L+'" y1="'+ly(k2)+'" x2="'+(L+W)+'" y2="'+ly(k2)+'" stroke="#bbb"/>';}
var B=Math.ceil(W/2),cnt=new Array(B).fill(0),mx=1;for(var i=i0;i<i1;i++){var bk=Math.min(B-1,Math.floor((X(rows[i][0])-L)/2));if(bk>=0){cnt[bk]++;if(cnt[bk]>mx)mx=cnt[bk];}}
for(var b2=0;b2<B;b2++)if(cnt[b2]){var hh=Math.max(1,cnt[b2]/mx*24);s+='<rect x="'+(L+b2*2)+'" y="'+(TOP-6-hh)+'" width="2" height="'+hh+'" fill="#3070c0"/>';}
if(n<=MAXA){var lastLbl={},sl=Math.min(8,W/Math.max(1,n));for(var j=i0;j<i1;j++){var m=rows[j],x2=X(m[0]),c=m[4]?'#e05555':'#3070c0';
s+='<line x1="'+(x2-sl)+'" y1="'+ly(m[1])+'" x2="'+x2+'" y2="'+(ly(m[2])+(m[2]>m[1]?-3:3))+'" stroke="'+c+'" marker-end="url(#arr)"'+(m[4]?' stroke-dasharray="3,2"':'')+'><title>'+e(m[3])+' '+e(nodes[m[1]])+' → '+e(nodes[m[2]])+(m[4]?' (dropped)':'')+' at '+hd(m[0])+'</title></line>';
var lk=Math.min(m[1],m[2])+','+Math.max(m[1],m[2]);if(n<=120&&x2-(lastLbl[lk]===undefined?-1e9:lastLbl[lk])>90){lastLbl[lk]=x2;s+='<text x="'+(x2+2)+'" y="'+((ly(m[1])+ly(m[2]))/2)+'" font-size="9" fill="'+c+'">'+e(m[3])+'</text>';}}}
for(var q=0;q<D.violations.length;q++){var V=D.violations[q];if(V[0]<v0||V[0]>v1)continue;var vx=X(V[0]);s+='<g class="violation"><line x1="'+vx+'" y1="'+(TOP-30)+'" x2="'+vx+'" y2="'+(H-26)+'" stroke="#c62828" stroke-width="2"/><text x="'+(vx>L+W/2?vx-4:vx+4)+'" y="'+(TOP-32)+'" text-anchor="'+(vx>L+W/2?'end':'start')+'" font-size="11" fill="#c62828">✗ '+e(V[1])+'</text><title>violation at '+hd(V[0])+': '+e(V[1])+'</title></g>';}
svg.setAttribute('height',H+12);svg.setAttribute('viewBox','0 0 1110 '+(H+12));
svg.innerHTML='<defs><marker id="arr" markerWidth="6" markerHeight="6" refX="5" refY="3" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#666"/></marker></defs>'+s;
document.getElementById('win-from').value=(v0/1e6).toFixed(3);document.getElementById('win-to').value=(v1/1e6).toFixed(3);
info.textContent=(n<=MAXA?n+' messages shown':n+' messages in view, zoom in to see each one (0 messages shown as arrows)')+'; '+rows.length+' message events embedded, view '+hd(v0)+' – '+hd(v1)+' of '+hd(end);}
var pend=false;function redraw(){if(!pend){pend=true;requestAnimationFrame(function(){pend=false;draw();});}}
function sx(ev){var r=svg.getBoundingClientRect();return (ev.clientX-r.left)*1110/Math.max(1,r.width);}
function zoom(f,at){var c=at===undefined?(v0+v1)/2:v0+(Math.min(L+W,Math.max(L,at))-L)/W*(v1-v0);v0=c-(c-v0)*f;v1=c+(v1-c)*f;redraw();}
function pan(fr){var w=v1-v0;v0+=w*fr;v1+=w*fr;redraw();}
svg.addEventListener('wheel',function(ev){ev.preventDefault();zoom(ev.deltaY>0?1.25:0.8,sx(ev));},{passive:false});
var drag=null;svg.addEventListener('pointerdown',function(ev){drag={x:sx(ev),a:v0,b:v1};svg.setPointerCapture(ev.pointerId);svg.style.cursor='grabbing';});
svg.addEventListener('pointermove',function(ev){if(!drag)return;var dt=(sx(ev)-drag.x)/W*(drag.b-drag.a);v0=drag.a-dt;v1=drag.b-dt;redraw();});
function up(){drag=null;svg.style.cursor='grab';}svg.addEventListener('pointerup',up);svg.addEventListener('pointercancel',up);
document.getElementById('msg-in').addEventListener('click',function(){zoom(0.5);});
document.getElementById('msg-out').addEventListener('click',function(){zoom(2);});
document.getElementById('msg-left').addEventListener('click',function(){pan(-0.5);});
document.getElementById('msg-right').addEventListener('click',function(){pan(0.5);});
document.getElementById('msg-all').addEventListener('click',function(){v0=0;v1=end;redraw();});
document.getElementById('win-draw').addEventListener('click',function(){var a=Number(document.getElementById('win-from').value)*1e6,b=Number(document.getElementById('win-to').value)*1e6;if(b>a){v0=a;v1=b;redraw();}});
document.getElementById('msg-jump').addEventListener('change',function(ev){var t=Number(ev.target.value||0),w=Math.min(end,200000);v0=t-w/4;v1=v0+w;redraw();});
var h=/[#&]t=([0-9.]+)-([0-9.]+)/.exec(location.hash);if(h&&Number(h[2])>Number(h[1])){v0=Number(h[1])*1e6;v1=Number(h[2])*1e6;}
draw();})();`;

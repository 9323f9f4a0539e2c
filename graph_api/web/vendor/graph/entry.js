// What the editor imports from the graph libraries; vendor.sh bundles this file (and only
// what it reaches) into graph-libs.js, one ES module with no bare imports left.
export { default as Graph } from 'graphology';
export { default as Sigma } from 'sigma';
export { default as FA2Layout } from 'graphology-layout-forceatlas2/worker';
export { inferSettings as inferFA2Settings } from 'graphology-layout-forceatlas2';
export { createNodeBorderProgram } from '@sigma/node-border';

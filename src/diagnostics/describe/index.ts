export { describeProblem, DESCRIBE_CANDIDATE_LIMIT, DESCRIBE_WEIGHTS, type DescribeWeights, type DescribeCandidate, type DescribeInput, type DescribeResult, type DescribeVehicle, type RecognisedNode } from './describe.js';
export { ensureDiagnosisIndex, syncDiagnosisIndex, type IndexSyncReport } from './index-sync.js';
export { bundledKnowledge, parseKnowledge, KnowledgeFileError, BUNDLED_KNOWLEDGE_PATH, type Knowledge } from './knowledge.js';
export { DESCRIBE_LANGUAGES, type DescribeLanguage } from './text.js';

// MLflow's SQLite schema at alembic head 0584bdc529eb (MLflow 2.18-2.22, the last 2.x head), as
// MLflow itself leaves it in sqlite_master: 2.18-2.22 open such a file as it is and 3.x migrates it
// in place. The statements and their order follow the fixture written by MLflow 2.22
// (`fixtures/mlflow-2.22/schema.sql`); a test compares a fresh database's sqlite_master with it.
// Tables created through alembic's batch mode carry quoted names ("runs"), exactly as MLflow's do.

export const MLFLOW_2X_HEAD = '0584bdc529eb';

export const SCHEMA_0584BDC529EB: readonly string[] = [
  `CREATE TABLE experiments (
	experiment_id INTEGER NOT NULL,
	name VARCHAR(256) NOT NULL,
	artifact_location VARCHAR(256),
	lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT,
	CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),
	CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),
	UNIQUE (name)
)`,
  `CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)`,
  `CREATE TABLE experiment_tags (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	experiment_id INTEGER NOT NULL,
	CONSTRAINT experiment_tag_pk PRIMARY KEY ("key", experiment_id),
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE TABLE registered_models (
	name VARCHAR(256) NOT NULL,
	creation_time BIGINT,
	last_updated_time BIGINT,
	description VARCHAR(5000),
	CONSTRAINT registered_model_pk PRIMARY KEY (name),
	UNIQUE (name)
)`,
  `CREATE TABLE "runs" (
	run_uuid VARCHAR(32) NOT NULL,
	name VARCHAR(250),
	source_type VARCHAR(20),
	source_name VARCHAR(500),
	entry_point_name VARCHAR(50),
	user_id VARCHAR(256),
	status VARCHAR(9),
	start_time BIGINT,
	end_time BIGINT,
	source_version VARCHAR(50),
	lifecycle_stage VARCHAR(20),
	artifact_uri VARCHAR(200),
	experiment_id INTEGER, deleted_time BIGINT,
	CONSTRAINT run_pk PRIMARY KEY (run_uuid),
	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),
	CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')),
	CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE TABLE registered_model_tags (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	name VARCHAR(256) NOT NULL,
	CONSTRAINT registered_model_tag_pk PRIMARY KEY ("key", name),
	FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade
)`,
  `CREATE TABLE model_version_tags (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(5000),
	name VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	CONSTRAINT model_version_tag_pk PRIMARY KEY ("key", name, version),
	FOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON UPDATE cascade
)`,
  `CREATE TABLE "model_versions" (
	name VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	creation_time BIGINT,
	last_updated_time BIGINT,
	description VARCHAR(5000),
	user_id VARCHAR(256),
	current_stage VARCHAR(20),
	source VARCHAR(500),
	run_id VARCHAR(32),
	status VARCHAR(20),
	status_message VARCHAR(500),
	run_link VARCHAR(500), storage_location VARCHAR(500),
	CONSTRAINT model_version_pk PRIMARY KEY (name, version),
	FOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE CASCADE
)`,
  `CREATE TABLE "latest_metrics" (
	"key" VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT,
	step BIGINT NOT NULL,
	is_nan BOOLEAN NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT latest_metric_pk PRIMARY KEY ("key", run_uuid),
	CHECK (is_nan IN (0, 1)),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE TABLE "metrics" (
	"key" VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	step BIGINT DEFAULT '0' NOT NULL,
	is_nan BOOLEAN DEFAULT '0' NOT NULL,
	CONSTRAINT metric_pk PRIMARY KEY ("key", timestamp, step, run_uuid, value, is_nan),
	CHECK (is_nan IN (0, 1)),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid)`,
  `CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid)`,
  `CREATE TABLE registered_model_aliases (
	alias VARCHAR(256) NOT NULL,
	version INTEGER NOT NULL,
	name VARCHAR(256) NOT NULL,
	CONSTRAINT registered_model_alias_pk PRIMARY KEY (name, alias),
	CONSTRAINT registered_model_alias_name_fkey FOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE cascade ON UPDATE cascade
)`,
  `CREATE TABLE inputs (
	input_uuid VARCHAR(36) NOT NULL,
	source_type VARCHAR(36) NOT NULL,
	source_id VARCHAR(36) NOT NULL,
	destination_type VARCHAR(36) NOT NULL,
	destination_id VARCHAR(36) NOT NULL,
	CONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)
)`,
  `CREATE INDEX index_inputs_destination_type_destination_id_source_type ON inputs (destination_type, destination_id, source_type)`,
  `CREATE INDEX index_inputs_input_uuid ON inputs (input_uuid)`,
  `CREATE TABLE input_tags (
	input_uuid VARCHAR(36) NOT NULL,
	name VARCHAR(255) NOT NULL,
	value VARCHAR(500) NOT NULL,
	CONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name)
)`,
  `CREATE TABLE "params" (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(8000) NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT param_pk PRIMARY KEY ("key", run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE INDEX index_params_run_uuid ON params (run_uuid)`,
  `CREATE TABLE trace_info (
	request_id VARCHAR(50) NOT NULL,
	experiment_id INTEGER NOT NULL,
	timestamp_ms BIGINT NOT NULL,
	execution_time_ms BIGINT,
	status VARCHAR(50) NOT NULL,
	CONSTRAINT trace_info_pk PRIMARY KEY (request_id),
	CONSTRAINT fk_trace_info_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
)`,
  `CREATE INDEX index_trace_info_experiment_id_timestamp_ms ON trace_info (experiment_id, timestamp_ms)`,
  `CREATE TABLE "trace_tags" (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(8000),
	request_id VARCHAR(50) NOT NULL,
	CONSTRAINT trace_tag_pk PRIMARY KEY ("key", request_id),
	CONSTRAINT fk_trace_tags_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
)`,
  `CREATE INDEX index_trace_tags_request_id ON trace_tags (request_id)`,
  `CREATE TABLE "trace_request_metadata" (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(8000),
	request_id VARCHAR(50) NOT NULL,
	CONSTRAINT trace_request_metadata_pk PRIMARY KEY ("key", request_id),
	CONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
)`,
  `CREATE INDEX index_trace_request_metadata_request_id ON trace_request_metadata (request_id)`,
  `CREATE TABLE "tags" (
	"key" VARCHAR(250) NOT NULL,
	value VARCHAR(8000),
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT tag_pk PRIMARY KEY ("key", run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
)`,
  `CREATE INDEX index_tags_run_uuid ON tags (run_uuid)`,
  `CREATE TABLE "datasets" (
	dataset_uuid VARCHAR(36) NOT NULL,
	experiment_id INTEGER NOT NULL,
	name VARCHAR(500) NOT NULL,
	digest VARCHAR(36) NOT NULL,
	dataset_source_type VARCHAR(36) NOT NULL,
	dataset_source TEXT NOT NULL,
	dataset_schema TEXT,
	dataset_profile TEXT,
	CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest),
	CONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
)`,
  `CREATE INDEX index_datasets_experiment_id_dataset_source_type ON datasets (experiment_id, dataset_source_type)`,
  `CREATE INDEX index_datasets_dataset_uuid ON datasets (dataset_uuid)`,
];

/** Alembic revisions written by released MLflow versions whose core tracking tables this store
 * reads and writes (see research notes, appendix C). Anything else is accepted when the core
 * tables have the columns we need, and reported as "unknown revision". */
export const KNOWN_REVISIONS: Readonly<Record<string, string>> = {
  '97727af70f4d': 'MLflow 2.0-2.2',
  '3500859a5d39': 'MLflow 2.3',
  '7f2a7d5fae7d': 'MLflow 2.4-2.7',
  '2d6e25af4d3e': 'MLflow 2.8 (pre-release)',
  acf3f17fdcc7: 'MLflow 2.8-2.12',
  '867495a8f9d4': 'MLflow 2.13',
  '5b0e9adcef9c': 'MLflow 2.14',
  '4465047574b1': 'MLflow 2.15-2.16',
  f5a4f2784254: 'MLflow 2.17',
  '0584bdc529eb': 'MLflow 2.18-2.22',
  '6953534de441': 'MLflow 3.0-3.1',
  bda7b8c39065: 'MLflow 3.0.1/3.1.x',
  '770bee3ae1dd': 'MLflow 3.2',
  '1a0cddfcaa16': 'MLflow 3.3',
  '71994744cf8e': 'MLflow 3.4',
  bf29a5ff90ea: 'MLflow 3.5-3.7',
  '1bd49d398cd23': 'MLflow 3.8',
  d3e4f5a6b7c8: 'MLflow 3.9',
  '1b5f0d9ad7c1': 'MLflow 3.10',
  c3d6457b6d8a: 'MLflow 3.11',
  '7d34483879f0': 'MLflow 3.12',
};

/** Columns the store reads and writes; an existing database must have all of them. */
export const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  experiments: ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time'],
  experiment_tags: ['key', 'value', 'experiment_id'],
  runs: ['run_uuid', 'name', 'source_type', 'source_name', 'entry_point_name', 'user_id', 'status', 'start_time', 'end_time', 'source_version', 'lifecycle_stage', 'artifact_uri', 'experiment_id', 'deleted_time'],
  tags: ['key', 'value', 'run_uuid'],
  params: ['key', 'value', 'run_uuid'],
  metrics: ['key', 'value', 'timestamp', 'run_uuid', 'step', 'is_nan'],
  latest_metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  alembic_version: ['version_num'],
};

/** SQL text compared modulo whitespace: runs collapsed, none around punctuation. */
export function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

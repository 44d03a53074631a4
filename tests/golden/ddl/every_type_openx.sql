CREATE EXTERNAL TABLE IF NOT EXISTS `lakegate`.`loose` (
  `user_name` string,
  `weird_key` bigint,
  `payload` string,
  `mixed` string,
  `either` string,
  `tree` struct<`label`:string,`children`:array<string>>,
  `home` map<string,struct<`street`:string,`zip_code`:string,`geo`:array<double>>>,
  `_ingested_at` timestamp COMMENT 'When lakegate stored the record (UTC)',
  `_request_id` string COMMENT 'X-Request-Id of the request that carried it'
)
PARTITIONED BY (
  `dt` string COMMENT 'Ingestion date (UTC), yyyy-MM-dd',
  `hr` string COMMENT 'Ingestion hour (UTC), 00 to 23'
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES (
  'mapping.user_name'='user-name',
  'mapping.weird_key'='Weird.Key'
)
LOCATION 's3://my-lake/lake/loose/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.dt.type'='date',
  'projection.dt.format'='yyyy-MM-dd',
  'projection.dt.range'='2020-01-01,NOW',
  'projection.dt.interval'='1',
  'projection.dt.interval.unit'='DAYS',
  'projection.hr.type'='integer',
  'projection.hr.range'='0,23',
  'projection.hr.digits'='2',
  'storage.location.template'='s3://my-lake/lake/loose/dt=${dt}/hr=${hr}'
);

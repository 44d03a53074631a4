-- Athena tables of the lake at s3://my-lake/lake (lakegate ddl)

CREATE DATABASE IF NOT EXISTS `lakegate`;

CREATE EXTERNAL TABLE IF NOT EXISTS `lakegate`.`unicorns` (
  `name` string COMMENT "The unicorn's name",
  `rainbow` boolean COMMENT 'Whether it trails a rainbow',
  `horn_length_cm` double COMMENT 'Horn length in centimetres',
  `color` string,
  `tags` array<string>,
  `_ingested_at` timestamp COMMENT 'When lakegate stored the record (UTC)',
  `_request_id` string COMMENT 'X-Request-Id of the request that carried it'
)
COMMENT 'A unicorn sighting'
PARTITIONED BY (
  `dt` string COMMENT 'Ingestion date (UTC), yyyy-MM-dd',
  `hr` string COMMENT 'Ingestion hour (UTC), 00 to 23'
)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
WITH SERDEPROPERTIES (
  'timestamp.formats'="yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z',yyyy-MM-dd'T'HH:mm:ss'Z'"
)
LOCATION 's3://my-lake/lake/unicorns/'
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
  'storage.location.template'='s3://my-lake/lake/unicorns/dt=${dt}/hr=${hr}'
);


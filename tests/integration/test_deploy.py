"""The deployment files users apply (deploy/): the two IAM policies allow every AWS action
lakegate's code calls, and nothing broader; the ECS task definition runs the image as the
Dockerfile builds it, with a task role, a health check and logs."""
import glob
import json
import os
import re
import subprocess
import unittest

import server

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def load(name):
    with open(os.path.join(ROOT, "deploy", name)) as f:
        return json.load(f)


def source(pattern):
    text = ""
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        with open(path) as f:
            text += f.read()
    return text


def athena_operations():
    """The Athena API operations the client calls (lg_athena_call(a, "Operation", ...))."""
    return set(re.findall(r'lg_athena_call\(a, "(\w+)"', source("src/aws/athena*.c")))


def lake_writer_actions():
    """What uploading sealed objects to S3 needs: PutObject (single and multipart uploads --
    CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all s3:PutObject),
    AbortMultipartUpload when a multipart upload fails, and ListBucket for the backend's
    check (one ListObjectsV2 under the lake's prefix)."""
    put, multipart = source("src/aws/s3.c"), source("src/aws/s3_multipart.c")
    actions = set()
    if "lg_s3_list_page(" in source("src/lake/backend_s3.c"):
        actions.add("s3:ListBucket")
    if '"PUT"' in put or '"PUT"' in multipart:
        actions.add("s3:PutObject")
    if re.search(r'"DELETE", query', multipart):
        actions.add("s3:AbortMultipartUpload")
    return actions


# What Athena itself needs besides its own API (AWS documents these for querying and for
# DDL against the Glue Data Catalog), and KMS only with SSE-KMS.
GLUE_READ = {"glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"}
GLUE_WRITE = {"glue:CreateDatabase", "glue:CreateTable", "glue:UpdateTable"}
ATHENA_S3 = {"s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"}
KMS = {"kms:GenerateDataKey", "kms:Decrypt"}


def statements(policy):
    self_check = policy.get("Version") == "2012-10-17" and isinstance(policy.get("Statement"), list)
    assert self_check, "an IAM policy document"
    out = []
    for st in policy["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        out.append((st, actions, resources))
    return out


def allowed(policy):
    return {a for st, actions, _ in statements(policy) if st["Effect"] == "Allow" for a in actions}


class PolicyTest(unittest.TestCase):
    def assert_least_privilege(self, policy, needed):
        for st, actions, resources in statements(policy):
            self.assertEqual("Allow", st["Effect"])
            for a in actions:
                self.assertNotIn("*", a, "no wildcard actions (%s)" % st["Sid"])
                self.assertIn(a, needed, "%s allows %s, which lakegate does not need" % (st["Sid"], a))
            for r in resources:
                self.assertNotEqual("*", r, "%s names its resources" % st["Sid"])
        return allowed(policy)

    def test_runtime_policy_allows_what_the_server_calls(self):
        queries = {"athena:" + op for op in athena_operations() - {"GetTableMetadata"}}
        writer = lake_writer_actions()
        self.assertEqual({"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"}, writer,
                         "found in the S3 client and the lake's backend")
        self.assertEqual({"athena:StartQueryExecution", "athena:GetQueryExecution",
                          "athena:GetQueryResults", "athena:StopQueryExecution"}, queries)
        reads = {"s3:GetObject", "s3:ListBucket"}   # routes reading the lake with lakegate.s3
        got = self.assert_least_privilege(load("iam-runtime-policy.json"),
                                          writer | reads | queries | GLUE_READ | ATHENA_S3 | KMS)
        for action in writer | queries | GLUE_READ | {"s3:GetBucketLocation"} | KMS:
            self.assertIn(action, got)

    def test_lake_writes_are_limited_to_the_lake_prefix(self):
        seen = set()
        for st, actions, resources in statements(load("iam-runtime-policy.json")):
            if "s3:PutObject" in actions and st["Sid"] == "WriteTheLake":
                self.assertEqual(["arn:aws:s3:::LAKE_BUCKET/LAKE_PREFIX/*"], resources)
                seen.add("write")
            if "s3:ListBucket" in actions and resources == ["arn:aws:s3:::LAKE_BUCKET"]:
                # the backend's check lists "LAKE_PREFIX/", which this pattern matches
                self.assertEqual({"StringLike": {"s3:prefix": ["LAKE_PREFIX/*"]}}, st.get("Condition"))
                seen.add("list")
        self.assertEqual({"write", "list"}, seen)

    def test_admin_policy_allows_athena_init(self):
        ddl = {"athena:" + op for op in athena_operations()}
        self.assertIn("athena:GetTableMetadata", ddl, "athena init looks at existing tables")
        got = self.assert_least_privilege(load("iam-admin-policy.json"), ddl | GLUE_READ | GLUE_WRITE | ATHENA_S3)
        for action in ddl | GLUE_WRITE | {"glue:GetDatabase", "glue:GetTable"}:
            self.assertIn(action, got)
        self.assertFalse(any(a.startswith("s3:") and a != "s3:GetBucketLocation" and
                             any("LAKE_BUCKET" in r for r in resources)
                             for _, actions, resources in statements(load("iam-admin-policy.json"))
                             for a in actions), "athena init does not write the lake")


class TaskDefinitionTest(unittest.TestCase):
    def setUp(self):
        self.task = load("ecs-task-definition.json")
        self.container = self.task["containerDefinitions"][0]
        with open(os.path.join(ROOT, "Dockerfile")) as f:
            self.dockerfile = f.read()

    def test_task_role_gives_the_credentials(self):
        self.assertRegex(self.task["taskRoleArn"], r"^arn:aws:iam::ACCOUNT_ID:role/")
        env = {e["name"]: e["value"] for e in self.container["environment"]}
        self.assertNotIn("AWS_ACCESS_KEY_ID", env, "credentials come from the task role, never the task")
        self.assertTrue(env["LAKEGATE_LAKE"].startswith("s3://"))

    def test_health_check_runs_the_binary_the_image_has(self):
        cmd = self.container["healthCheck"]["command"]
        self.assertEqual("CMD", cmd[0])
        self.assertIn('"%s", "health"' % cmd[1], self.dockerfile, "the Dockerfile's own health check")

    def test_port_and_user_match_the_image(self):
        self.assertIn("EXPOSE %d" % self.container["portMappings"][0]["containerPort"], self.dockerfile)
        self.assertRegex(self.dockerfile, r"\nUSER %s(:|\n)" % re.escape(self.container["user"]))

    def test_environment_names_are_settings(self):
        helptext = subprocess.run([server.lakegate_bin(), "--help"], capture_output=True, text=True).stdout
        for e in self.container["environment"]:
            if e["name"].startswith("LAKEGATE_"):
                self.assertIn(e["name"], helptext, "a setting lakegate knows")
            else:
                self.assertTrue(e["name"].startswith("AWS_"), e["name"])

    def test_logs_go_to_cloudwatch(self):
        self.assertEqual("awslogs", self.container["logConfiguration"]["logDriver"])


if __name__ == "__main__":
    unittest.main()

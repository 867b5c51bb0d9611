use super::*;

fn builtin() -> RuleSet {
    RuleSet::load(&[] as &[&str]).expect("built-in rules load")
}

fn classify(
    platform: Platform,
    text: &str,
    code: Option<&str>,
    status: Option<u16>,
    mfa: Option<&str>,
) -> String {
    let rules = builtin();
    let field = move |name: &str| {
        if name == "mfa_authenticated" {
            mfa
        } else {
            None
        }
    };
    let facts = Facts {
        platform,
        action: "x",
        error_code: code,
        status,
        text,
        field: &field,
    };
    let (cause, rule) = rules.classify(&facts);
    format!("{cause} {rule}")
}

#[test]
fn builtin_rules_load_and_every_cause_has_docs() {
    let rules = builtin();
    assert!(rules.rules.len() >= 15);
    for cause in Cause::ALL {
        let doc = rules.cause_doc(cause).expect("cause documented");
        assert!(!doc.steps.is_empty(), "{cause} has remediation steps");
    }
    let aws = rules.prefilter_literals(&[Platform::Aws]);
    assert!(aws.contains(&"createaccesskey".to_string()));
    assert!(
        !aws.contains(&"api key".to_string()),
        "app wording is not looked for in AWS records"
    );
    assert!(
        rules
            .prefilter_literals(&[Platform::App])
            .contains(&"api key".to_string())
    );
}

#[test]
fn cause_rules_table() {
    let aws = Platform::Aws;
    let app = Platform::App;
    let cases = [
        (
            aws,
            "User: arn:aws:iam::1:user/a is not authorized to perform: iam:CreateAccessKey on resource: user a because no identity-based policy allows the iam:CreateAccessKey action",
            Some("AccessDenied"),
            None,
            None,
            "insufficient_role aws.role.not_authorized",
        ),
        (
            aws,
            "... with an explicit deny in a service control policy: arn:aws:organizations::1:policy/o-x/service_control_policy/p-y",
            Some("AccessDenied"),
            None,
            Some("false"),
            "policy_block aws.policy.explicit_deny",
        ),
        (
            aws,
            "... with an explicit deny in an identity-based policy",
            Some("AccessDenied"),
            None,
            Some("false"),
            "mfa_required aws.mfa.identity_deny_without_mfa",
        ),
        (
            aws,
            "... with an explicit deny in an identity-based policy",
            Some("AccessDenied"),
            None,
            Some("true"),
            "policy_block aws.policy.explicit_deny",
        ),
        (
            aws,
            "Cannot exceed quota for AccessKeysPerUser: 2",
            Some("LimitExceeded"),
            None,
            None,
            "quota_exceeded aws.quota.code",
        ),
        (
            aws,
            "The security token included in the request is expired",
            Some("ExpiredToken"),
            None,
            None,
            "unauthenticated aws.auth.token",
        ),
        (
            aws,
            "... because no VPC endpoint policy allows the iam:CreateAccessKey action",
            Some("AccessDenied"),
            None,
            None,
            "network_restriction aws.network.vpc_endpoint",
        ),
        (
            aws,
            "Access Denied",
            Some("AccessDenied"),
            None,
            None,
            "unknown ",
        ),
        (
            app,
            "Failed to generate API key: permission denied",
            None,
            None,
            None,
            "unknown ",
        ),
        (
            app,
            "You have reached the maximum number of API keys (5) allowed for your Pro subscription plan. Please upgrade your plan",
            None,
            Some(403),
            None,
            "plan_restriction common.plan.text",
        ),
        (
            app,
            "Maximum number of API keys (10) reached",
            None,
            Some(403),
            None,
            "quota_exceeded common.quota.text",
        ),
        (
            app,
            "Forbidden",
            None,
            Some(401),
            None,
            "unauthenticated common.auth.status",
        ),
        (
            app,
            "Payment Required",
            None,
            Some(402),
            None,
            "plan_restriction common.plan.status",
        ),
        (
            app,
            "API key creation requires two-factor authentication",
            None,
            None,
            None,
            "mfa_required common.mfa.text",
        ),
        (
            app,
            "IP 198.51.100.7 is not in the allow list",
            None,
            None,
            None,
            "network_restriction common.network.text",
        ),
        (
            app,
            "API key creation is disabled by your administrator",
            None,
            None,
            None,
            "policy_block common.policy.text",
        ),
        (
            app,
            "role viewer lacks permission apikeys:create",
            None,
            None,
            None,
            "insufficient_role common.role.text",
        ),
        (
            app,
            "session expired, please log in again",
            None,
            None,
            None,
            "unauthenticated common.auth.text",
        ),
    ];
    for (platform, text, code, status, mfa, expected) in cases {
        assert_eq!(
            classify(platform, text, code, status, mfa),
            expected,
            "{text}"
        );
    }
}

#[test]
fn app_action_wording() {
    let rules = builtin();
    let cases = [
        (
            "Failed to generate API key: permission denied",
            Some("create_api_key"),
        ),
        ("API key creation failed: forbidden", Some("create_api_key")),
        (
            "Could not create personal access token for bob",
            Some("create_access_token"),
        ),
        (
            "Failed to create service account token",
            Some("create_access_token"),
        ),
        (
            "rotating client secret for app x",
            Some("create_client_secret"),
        ),
        ("Failed to delete API key: permission denied", None),
        ("Listing API keys for org acme", None),
        ("Failed to create access token: invalid_grant", None),
        ("Accepted publickey for bob", None),
    ];
    for (text, expected) in cases {
        let found = rules
            .match_action(Platform::App, None, text, None, None)
            .map(|(a, _)| a.name.as_str());
        assert_eq!(found, expected, "{text}");
    }
    let by_path = rules.match_action(
        Platform::App,
        None,
        "",
        Some("POST"),
        Some("/api/serviceaccounts/2/tokens"),
    );
    assert_eq!(
        by_path.map(|(a, by)| (a.id.as_str(), by)),
        Some(("app.token_route", MatchedBy::Path))
    );
    let get = rules.match_action(Platform::App, None, "", Some("GET"), Some("/api/keys"));
    assert!(get.is_none());
}

#[test]
fn rule_file_errors_name_file_rule_and_problem() {
    let cases = [
        (
            "[[rule]]\nid = \"r1\"\ncause = \"nope\"\nmessage = \"x\"\n",
            "user.toml: rule `r1`: unknown cause \"nope\"",
        ),
        (
            "[[rule]]\nid = \"r2\"\ncause = \"unknown\"\nmessage = \"(\"\n",
            "user.toml: rule `r2`: invalid regex in `message`",
        ),
        (
            "[[rule]]\nid = \"r3\"\ncause = \"unknown\"\n",
            "user.toml: rule `r3`: has no condition",
        ),
        (
            "[[action]]\nid = \"a1\"\nmessage = \"make key\"\n",
            "user.toml: rule `a1`: a `pattern`, `message` or `path` action must list `literals`",
        ),
        (
            "[[rule]]\nid = \"aws.auth.token\"\ncause = \"unknown\"\nmessage = \"x\"\n",
            "rule `aws.auth.token`: duplicate id",
        ),
        ("[[rule]\nid = 1\n", "user.toml:1:"),
        (
            "[[rule]]\nid = \"r4\"\ncause = \"unknown\"\nmessage = \"x\"\nplatforms = [\"mars\"]\n",
            "unknown platform \"mars\"",
        ),
        (
            "[[rule]]\nid = \"r5\"\ncause = \"unknown\"\nmesage = \"x\"\n",
            "unknown field `mesage`",
        ),
    ];
    for (text, expected) in cases {
        let mut sources = vec![("user.toml".to_string(), text.to_string())];
        sources.extend(BUILTIN.iter().map(|(f, t)| (f.to_string(), t.to_string())));
        let err = RuleSet::from_sources(&sources).expect_err(text).to_string();
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
    }
}

#[test]
fn user_rules_win_priority_ties() {
    let user = "[[rule]]\nid = \"mine\"\ncause = \"policy_block\"\npriority = 100\nmessage = \"(?i)not authorized\"\n";
    let mut sources = vec![("user.toml".to_string(), user.to_string())];
    sources.extend(BUILTIN.iter().map(|(f, t)| (f.to_string(), t.to_string())));
    let rules = RuleSet::from_sources(&sources).unwrap();
    let field = |_: &str| None;
    let facts = Facts {
        platform: Platform::Aws,
        action: "x",
        error_code: None,
        status: None,
        text: "is not authorized to perform",
        field: &field,
    };
    assert_eq!(rules.classify(&facts), (Cause::PolicyBlock, "mine"));
}

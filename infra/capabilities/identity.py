"""Staff sign-in: a Cognito user pool whose groups are the roles and whose `departments` attribute
scopes a department member (the staff API's JWT authorizer trusts both).

Only administrators create accounts (no self sign-up); a member cannot change their own departments
(the app client may read the attribute, never write it); passwords are long; deletion protection
keeps the pool (and every account) from a mistaken stack delete. MFA: prod requires a TOTP app for
every account — Cognito cannot require it by group without a custom trigger, and the issue asks it of
supervisors and admins at least; dev leaves it optional. Threat protection (the Plus plan) blocks
compromised credentials and risky sign-ins in prod.

The console signs in with USER_PASSWORD_AUTH in every stage: the password goes over TLS to Cognito's
own endpoint only (the console's CSP allows no other origin), and Cognito's lockout, threat protection
and the TOTP second factor apply as with SRP. SRP would keep the password off the wire altogether; it
stays allowed for scripts, and the console can move to it without a change here.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from civicdesk.staff.identity import Role
from infra import names
from infra.config import StageConfig
from infra.nag import acknowledge


class StaffIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"civic-desk-staff-{config.stage}",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={
                names.STAFF_DEPARTMENTS_ATTRIBUTE: cognito.StringAttribute(
                    min_len=0, max_len=512, mutable=True
                )
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED if config.is_prod else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if config.is_prod else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if config.is_prod else None
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for role in Role:
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.value.capitalize()}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=role.value,
                description=f"Civic Desk staff role: {role.value}",
            )
        departments = f"custom:{names.STAFF_DEPARTMENTS_ATTRIBUTE}"
        self.client = self.user_pool.add_client(
            "ConsoleClient",
            user_pool_client_name=f"civic-desk-console-{config.stage}",
            disable_o_auth=True,  # the console signs in through the pool's API; no redirect flows yet
            generate_secret=False,  # a browser app cannot keep a secret
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            # A first sign-in sets a new password and a TOTP app in one session: 15 minutes (the most
            # Cognito allows, default 3) to add the secret to the app by hand.
            auth_session_validity=Duration.minutes(15),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),  # one working day, then sign in again
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True)
            .with_custom_attributes(names.STAFF_DEPARTMENTS_ATTRIBUTE),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True),
        )
        assert departments.startswith("custom:")
        self._acknowledge(config)

    @property
    def issuer(self) -> str:
        return self.user_pool.user_pool_provider_url

    def _acknowledge(self, config: StageConfig) -> None:
        pool = self.user_pool.node.default_child
        if not config.is_prod:
            acknowledge(
                pool,  # type: ignore[arg-type]
                "AwsSolutions-COG2",
                "dev: MFA is optional so that test accounts can sign in from scripts; prod requires a TOTP "
                "app for every account.",
            )
            for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
                acknowledge(
                    pool,  # type: ignore[arg-type]
                    rule,
                    "dev: threat protection needs the paid Plus plan; prod is on it, with full function.",
                )

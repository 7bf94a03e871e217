/// What a webhook output POSTs: the native event, or a chat message in a service's own format.
public enum MessageFormat: String, Sendable, CaseIterable {
    /// The event object (README "Events"), signed per Standard Webhooks.
    case native
    /// Slack incoming webhook: `{"text": …}` in Slack's mrkdwn.
    case slack
    /// Discord webhook: `{"content": …}` in Discord's markdown, mentions disabled.
    case discord
    /// Microsoft Teams incoming webhook: a MessageCard with an "Open" action.
    case teams
    /// ntfy: a JSON publish (`{"topic", "title", "message", "click"}`) to the server the topic URL names.
    case ntfy
    /// Telegram Bot API `sendMessage` (HTML), to the `chat_id` the output names; the bot token is
    /// the output's secret.
    case telegram
    /// The output's own `template`: a JSON body with `{{field}}` placeholders.
    case template
}

package sandbox

import (
	"context"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// routes maps every method the sandbox serves to its handler; anything
// else gets an immediate error, so a client never waits on a method the
// sandbox does not have.
func (s *Server) routes() *tg.ServerDispatcher {
	d := tg.NewServerDispatcher(func(ctx context.Context, b *bin.Buffer) (bin.Encoder, error) {
		s.log.Debug("method not served", "type", s.typeName(b))
		return nil, tgerr.New(400, "INPUT_METHOD_INVALID")
	})
	d.OnHelpGetConfig(s.getConfig)
	d.OnHelpGetCountriesList(s.getCountriesList)
	d.OnHelpGetNearestDC(func(ctx context.Context) (*tg.NearestDC, error) {
		return &tg.NearestDC{Country: "ZZ", ThisDC: s.dc, NearestDC: s.dc}, nil
	})
	d.OnAuthSendCode(s.sendCode)
	d.OnAuthSignIn(s.signIn)
	d.OnAuthSignUp(s.signUp)
	d.OnAuthResendCode(s.resendCode)
	d.OnAccountSendVerifyEmailCode(s.sendVerifyEmailCode)
	d.OnAccountVerifyEmail(s.verifyEmail)
	d.OnHelpAcceptTermsOfService(s.acceptTerms)
	d.OnAccountGetPassword(s.getPassword)
	d.OnAuthCheckPassword(s.checkPassword)
	d.OnAuthLogOut(s.logOut)
	d.OnAuthExportLoginToken(func(ctx context.Context, _ *tg.AuthExportLoginTokenRequest) (tg.AuthLoginTokenClass, error) {
		return s.exportLoginToken(ctx)
	})
	d.OnAuthImportLoginToken(s.importLoginToken)
	d.OnAuthAcceptLoginToken(s.acceptLoginToken)
	d.OnAccountGetPrivacy(s.getPrivacy)
	d.OnAccountSetPrivacy(s.setPrivacy)
	d.OnAccountUpdateStatus(func(ctx context.Context, offline bool) (bool, error) { return true, nil })

	d.OnUsersGetUsers(s.getUsers)
	d.OnUsersGetFullUser(s.getFullUser)
	d.OnContactsGetContacts(func(ctx context.Context, _ int64) (tg.ContactsContactsClass, error) { return s.getContacts(ctx) })
	d.OnContactsResolveUsername(s.resolveUsername)
	d.OnContactsResolvePhone(s.resolvePhone)
	d.OnContactsSearch(s.search)
	d.OnUpdatesGetState(s.getState)
	d.OnUpdatesGetDifference(s.getDifference)
	d.OnMessagesGetDhConfig(s.getDHConfig)
	d.OnMessagesSearch(s.searchMessages)
	d.OnMessagesGetHistory(s.getHistory)
	d.OnMessagesGetDialogs(s.getDialogs)

	d.OnPhoneGetCallConfig(s.getCallConfig)
	d.OnPhoneRequestCall(s.requestCall)
	d.OnPhoneReceivedCall(s.receivedCall)
	d.OnPhoneAcceptCall(s.acceptCall)
	d.OnPhoneConfirmCall(s.confirmCall)
	d.OnPhoneDiscardCall(s.discardCall)
	d.OnPhoneSendSignalingData(s.sendSignalingData)
	d.OnPhoneSetCallRating(s.setCallRating)
	d.OnPhoneSaveCallDebug(s.saveCallDebug)
	d.OnPhoneSaveCallLog(s.saveCallLog)
	d.OnUploadSaveFilePart(s.saveFilePart)
	d.OnUploadGetFile(s.getFile)
	return d
}
